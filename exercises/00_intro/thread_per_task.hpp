// Exercise 00_intro/thread_per_task
//
// The plainest way to run jobs at the same time: give each one an operating
// system thread of its own, then wait for all of them. In Rust that is
// `std::thread::spawn` for each job, then `join()` on each handle.
//
// Four facts about std::thread:
//   1. `std::thread t(f);` starts f at once, on a new thread.
//   2. `t.join()` waits until f has returned. A std::thread destroyed while
//      still joinable (never joined) calls std::terminate. A std::jthread
//      joins in its destructor instead.
//   3. An exception that escapes f also calls std::terminate. Rust's join()
//      hands you the thread's panic as an Err; C++ leaves that to you.
//   4. In a catch block, `std::current_exception()` captures the exception
//      as a `std::exception_ptr`, which may cross threads.
//      `std::rethrow_exception(p)` throws it again, type and message intact.
//
// Write `thread_per_task(jobs)`: run every job on a thread of its own, all
// at once, and return their results in input order.
//
// Done when:
//   - all the jobs run at the same time, each on a new thread of its own
//     (none on the caller's thread);
//   - result i is what jobs[i] returned, whatever order they finished in;
//   - if jobs throw, it rethrows the exception of the failing job with the
//     LOWEST INDEX (not the first to throw in time), its type and message
//     intact, and only once every thread has ended;
//   - no job's exception ends the program; no jobs, no threads, no results.
//
// Pitfall: rethrowing the moment you see a failure leaves the other threads
// running and joinable, and their destructors call std::terminate.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "lunch/todo.hpp"

template <class T>
std::vector<T> thread_per_task(std::vector<std::function<T()>> jobs) {
  // TODO: start a thread per job. Nothing may escape a thread's function:
  //       keep each job's value or exception in a slot of its own. Wait for
  //       every thread, then rethrow or return the values in order.
  return lunch::todo<std::vector<T>>(
      "thread_per_task: run each job on a thread of its own, then join them all");
}
