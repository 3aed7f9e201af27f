// Exercise 01_futures/sleep_for
//
// In Tokio, `tokio::time::sleep(d).await` pauses one task and lets every
// other task on the thread carry on. Asio's equivalent is a timer:
// `net::steady_timer` plus `async_wait`.
//
// Write `sleep_for(d)`, a coroutine that finishes after at least `d`.
//
// Done when:
//   - it waits at least `d` (zero or negative: finishes at once);
//   - other coroutines on the same thread keep running while it waits;
//   - it burns no CPU while waiting;
//   - it can be cancelled (for example by `||`), like any Asio operation.
//
// Pitfall: std::this_thread::sleep_for also waits `d`, but it blocks the
// whole thread, and with it every other coroutine on that thread.
#pragma once

#include <boost/asio.hpp>
#include <chrono>

#include "lunch/todo.hpp"

namespace net = boost::asio;

inline net::awaitable<void> sleep_for(
    [[maybe_unused]] std::chrono::steady_clock::duration d) {
  // TODO: make a steady_timer on this coroutine's own executor
  //       (`co_await net::this_coro::executor`), set it to expire after `d`,
  //       and co_await its async_wait with net::use_awaitable.
  lunch::todo("sleep_for: wait on a steady_timer, not return at once");
  co_return;
}
