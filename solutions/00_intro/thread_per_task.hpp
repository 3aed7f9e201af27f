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

// [slide:thread_per_task]
template <class T>
std::vector<T> thread_per_task(std::vector<std::function<T()>> jobs) {
  // SOLUTION: a slot per job for its value, another for its exception. Each
  // thread writes only its own slots, and join() makes those writes visible
  // to this thread: no lock needed.
  std::vector<std::optional<T>> values(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  {
    // SOLUTION: jthread, not thread: whatever leaves this block, even a
    // std::system_error from a thread the system refused to start, joins
    // every thread started so far (fact 2) before the slots go away.
    std::vector<std::jthread> threads;
    threads.reserve(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i)
      threads.emplace_back([&jobs, &values, &errors, i] {
        try {
          values[i].emplace(jobs[i]());
        } catch (...) {
          errors[i] = std::current_exception();  // fact 4: nothing escapes
        }
      });
  }  // SOLUTION: every thread has ended here.

  // SOLUTION: by index, so the answer does not depend on which thread the
  // scheduler happened to run first; it is also what joining the handles in
  // order and stopping at the first Err gives you in Rust.
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  std::vector<T> results;
  results.reserve(values.size());
  for (auto& v : values) results.push_back(std::move(*v));
  return results;
}
// [/slide]

// Another way: `std::async(std::launch::async, jobs[i])` for each job keeps
// the value or the exception in a std::future for you. Call get() in input
// order: the first get() that throws is the lowest failing index, and a
// future from std::async waits for its thread in its destructor, so the
// exception reaches your caller only once every thread has ended. (Only
// std::async's futures wait like that; a std::promise's do not.)
