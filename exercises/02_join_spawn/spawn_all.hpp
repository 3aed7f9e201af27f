// Exercise 02_join_spawn/spawn_all
//
// Joined tasks share the caller's thread: their waiting overlaps, their
// computing does not. To compute in parallel, run the tasks on a
// multi-threaded executor, such as a `net::thread_pool`. That is
// `tokio::spawn`.
//
// Five facts about spawning one task in Asio:
//   1. `net::co_spawn(pool, std::move(task), token)` runs `task` on `pool`.
//   2. With `net::use_awaitable` as the token you get an awaitable: co_await
//      it to start the task and wait for it, like awaiting a JoinHandle.
//      The coroutine that awaits resumes on its own executor afterwards.
//   3. With `net::deferred` you get an operation that starts only when it is
//      launched, for instance by a parallel group.
//   4. Whatever token you choose, the task's exception travels with its
//      result. `net::detached` throws both away. So does awaiting an
//      unfinished `experimental::use_promise` in Boost 1.81 (a bug). Boost
//      1.82 fixed that, but the awaiter still resumes on the pool's
//      thread, not on its own executor: avoid it.
//   5. The task's coroutine frame holds its parameters. References in there
//      point into someone else's frame: fine only while that frame waits.
//
// Write `spawn_all(pool, tasks)`: run every task on `pool`, all at the same
// time, and return their results in input order.
//
// Done when:
//   - the tasks really run in parallel, each on a thread of `pool` (not on
//     threads of their own);
//   - results come back in input order;
//   - the caller resumes on its own thread, and that thread is free to run
//     other coroutines while the tasks run (no blocking wait, and no
//     polling either: waiting costs no CPU);
//   - if a task throws, spawn_all throws that same exception once every
//     task has ended: never lost, never wrapped (if several throw, any one
//     of theirs);
//   - an empty vector gives an empty result at once.
//
// Pitfall: `co_await` one spawned task after another, and each starts only
// when the previous one is done: parallel hardware, sequential program.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <exception>
#include <utility>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
net::awaitable<std::vector<T>> spawn_all(net::any_io_executor pool,
                                         std::vector<net::awaitable<T>> tasks) {
  // TODO: join_all's shape, with each task running on `pool` (facts 1-3).
  //       Waiting must suspend this coroutine, not block its thread.
  co_return lunch::todo<std::vector<T>>(
      "spawn_all: run every task on the pool and wait for all of them");
}
