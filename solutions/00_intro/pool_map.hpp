// Exercise 00_intro/pool_map
//
// A thread per job stops scaling somewhere in the thousands: every thread
// costs a stack, a kernel task and time to create. A pool keeps a fixed
// number of threads and hands them jobs from a queue, which is what Rust's
// rayon does. Asio's pool is `net::thread_pool`.
//
// Four facts about net::thread_pool:
//   1. `net::thread_pool pool(k);` starts k threads that wait for work.
//   2. `net::post(pool, f)` queues f; the next free pool thread runs it.
//      An exception escaping f escapes a pool thread: std::terminate.
//   3. `net::post(pool, net::use_future(f))` queues f too, and returns a
//      std::future of f's result: get() waits for it, and rethrows what f
//      threw. (A std::latch that every job counts down would also tell you
//      when all are done.)
//   4. `pool.join()` waits until the queue is empty and then ENDS the
//      pool's threads: a joined pool runs nothing ever again.
//
// Write `pool_map(pool, jobs)`: run every job on `pool` and return their
// results in input order. The pool is the caller's, to use again.
//
// Done when:
//   - every job runs on one of the pool's threads, so never more jobs at
//     once than the pool has threads, and every thread busy when there
//     are at least as many jobs;
//   - result i is what jobs[i] returned;
//   - if jobs throw, it rethrows the exception of the failing job with the
//     LOWEST INDEX, its type and message intact, once every job has ended;
//   - the pool still runs work afterwards; no jobs, no results.
//
// Pitfall: a pool of k threads runs k blocking waits at a time, no more.
// N jobs that each sleep w take about ceil(N / k) x w.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <functional>
#include <future>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
std::vector<T> pool_map(net::thread_pool& pool,
                        std::vector<std::function<T()>> jobs) {
  // SOLUTION: queue them all before waiting for any (fact 3). Each future
  // holds its job's value or exception; the jobs are moved into the queue,
  // so nothing on a pool thread refers to this function's locals.
  std::vector<std::future<T>> pending;
  pending.reserve(jobs.size());
  for (auto& job : jobs)
    pending.push_back(net::post(pool, net::use_future(std::move(job))));

  // SOLUTION: wait for every job before get() can throw: a std::future
  // made this way does not wait in its destructor, so rethrowing early
  // would leave jobs running after the caller has heard of the failure.
  for (auto& f : pending) f.wait();
  std::vector<T> results;
  results.reserve(pending.size());
  for (auto& f : pending) results.push_back(f.get());  // lowest index throws
  return results;
}

// Another way: post plain lambdas that store the value or the
// std::exception_ptr in slot i (as in thread_per_task) and count down a
// std::latch; `done.wait()` then plays the part of join(), without ending
// the pool. Not `pool.join()`: it waits, but the pool is gone afterwards
// (fact 4), and the pool was the caller's.
