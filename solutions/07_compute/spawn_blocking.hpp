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

// [slide:spawn_blocking]
template <class F>
net::awaitable<std::invoke_result_t<F&>> spawn_blocking(net::any_io_executor pool, F f) {
  using R = std::invoke_result_t<F&>;
  // SOLUTION: f's outcome lands in this coroutine's frame. The frame stays
  // suspended until the handler runs, and the handler owns it, so the pool
  // thread may write here: no shared_ptr needed. (`char` stands in for
  // void, which std::optional cannot hold.)
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<R>, char, R>> value;

  // SOLUTION: the one asynchronous step, as an initiation: run f on the
  // pool (fact 1), then hand the handler back to its own executor (fact 2).
  // dispatch, not a direct call: a direct call would resume this coroutine
  // right here, on the pool thread, outside the caller's strand. Named, not
  // written inside the co_await expression (fact 3).
  auto run_on_pool = [&](auto handler) {
    net::post(pool, [&, handler = std::move(handler)]() mutable {
      try {
        if constexpr (std::is_void_v<R>) f();
        else value.emplace(f());
      } catch (...) {
        error = std::current_exception();  // carried back, rethrown below
      }
      net::dispatch(std::move(handler));
    });
  };
  co_await net::async_initiate<decltype(net::use_awaitable), void()>(
      run_on_pool, net::use_awaitable);

  if (error) std::rethrow_exception(error);
  if constexpr (std::is_void_v<R>) co_return;
  else co_return std::move(*value);
}
// [/slide]

// Another way, shorter: a named coroutine that calls f, co_spawned on the
// pool and awaited:
//
//   template <class F>
//   net::awaitable<std::invoke_result_t<F&>> call(F& f) { co_return f(); }
//   ...
//   auto job = call(f);  // a statement of its own (fact 3)
//   co_return co_await net::co_spawn(pool, std::move(job), net::use_awaitable);
//
// It passes the same tests. Beware one use of it in Boost 1.81 to 1.84: as
// an operand of `||` (a timeout). A cancellation that reaches `call` while
// it runs (it never suspends) makes co_spawn's own `co_await post` after
// the body throw "co_await: Operation canceled" where nothing catches it:
// std::terminate. Boost 1.85 no longer throws there. (The forwarding to the
// pool has a race of its own in 1.81 and 1.82, asio #1332, fixed in 1.83.)
// The initiation above takes no cancellation at all.
