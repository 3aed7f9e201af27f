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

// SOLUTION: one task, spawned on the pool and awaited from here (facts 1 and
// 2). This coroutine runs on the caller's executor; only `task` hops over.
template <class T>
net::awaitable<T> on_pool(net::any_io_executor pool, net::awaitable<T> task) {
  co_return co_await net::co_spawn(pool, std::move(task), net::use_awaitable);
}

// [slide:spawn_all]
template <class T>
net::awaitable<std::vector<T>> spawn_all(net::any_io_executor pool,
                                         std::vector<net::awaitable<T>> tasks) {
  // SOLUTION: join_all over on_pool(task) wrappers. The wrappers, and the
  // group's bookkeeping, stay on the caller's executor (one thread), and
  // each task runs on the pool. Grouping co_spawn(pool, ...) directly would
  // also run, but then the group is completed and cancelled from several
  // pool threads at once, which Asio's parallel_group does not promise to
  // handle (asio issue #1348).
  if (tasks.empty()) co_return std::vector<T>{};
  auto here = co_await net::this_coro::executor;
  using operation = decltype(net::co_spawn(
      here, on_pool(pool, std::declval<net::awaitable<T>>()), net::deferred));
  std::vector<operation> ops;
  ops.reserve(tasks.size());
  for (auto& task : tasks)
    ops.push_back(
        net::co_spawn(here, on_pool(pool, std::move(task)), net::deferred));

  // SOLUTION: wait_for_all: no task is still running on the pool when we
  // return or throw (fact 5: they may hold references to our caller).
  auto [order, errors, values] =
      co_await net::experimental::make_parallel_group(std::move(ops))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  for (std::size_t i : order)
    if (errors[i]) std::rethrow_exception(errors[i]);
  co_return std::move(values);
}
// [/slide]

// Another way: put `net::co_spawn(pool, std::move(task), net::deferred)`
// straight into the group. It passes the tests; the group is then completed
// from pool threads, which is fine with wait_for_all but is the situation
// asio #1348 warns about once cancellation is involved.
//
// Not this way: `co_spawn(..., experimental::use_promise)` starts the task
// at once, like a Tokio JoinHandle, but in Boost 1.81 awaiting a promise
// that has not finished yet hands you moved-from results (the exception is
// lost) on the pool's thread. Boost 1.82 fixed the results (asio #1204);
// up to 1.89 at least, the awaiter still resumes on the pool's thread.
