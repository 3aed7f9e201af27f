// Exercise 07_compute/spawn_blocking
//
// A coroutine that computes for a long time, or calls something that blocks
// (a synchronous database driver, a big compression, sleep_for), holds its
// thread the whole time: every other coroutine on that io_context waits, and
// a server stops answering. Tokio's answer is `spawn_blocking(f).await`: run
// the plain function `f` on a pool of threads kept for such work, and wake
// the task with its result.
//
// Write `spawn_blocking(pool, f)`: run `f()` on one of `pool`'s threads,
// suspend the caller meanwhile, and resume it on its own executor with f's
// value or f's exception.
//
// Three facts:
//   1. `net::post(pool, fn)` runs `fn` on a thread of `pool`.
//   2. A completion handler belongs to an executor:
//      `net::get_associated_executor(handler)`, or `net::dispatch(handler)`
//      to run it there. For a coroutine, that is the coroutine's executor.
//   3. g++ 12 frees a capturing lambda twice when the lambda is a temporary
//      inside a co_await expression: name it in a statement of its own first.
//
// Done when:
//   - it returns f's value, or just completes when f returns void;
//   - an exception thrown by f reaches the awaiter unchanged (its own type);
//   - f runs on one of `pool`'s threads: not the caller's, not a new thread;
//   - the caller resumes on its own executor: on its own thread, and inside
//     its strand when it runs on one;
//   - while f runs, the caller's thread is free for other coroutines, and
//     the caller sleeps until f is done (no polling).
//
// Pitfall: `co_await net::post(pool, net::use_awaitable)` reads like "move
// me onto the pool", but a coroutine always resumes through its own
// executor: f would still run on the caller's thread.
#pragma once

#include <boost/asio.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class F>
net::awaitable<std::invoke_result_t<F&>> spawn_blocking(net::any_io_executor pool, F f) {
  using R = std::invoke_result_t<F&>;
  // TODO: get f() run on `pool`, then come back to this coroutine's own
  //       executor with what it returned, or with what it threw.
  co_return lunch::todo<R>("spawn_blocking: run f on the pool and resume here with its outcome");
}
