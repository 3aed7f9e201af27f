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
//   - it can be cancelled, like any Asio operation (by `||`, or through the
//     cancellation slot of whoever awaits it): it then ends at once with the
//     timer's operation_aborted, thrown as boost::system::system_error, so
//     that the caller can tell a cancelled sleep from a finished one.
//
// Pitfall: std::this_thread::sleep_for also waits `d`, but it blocks the
// whole thread, and with it every other coroutine on that thread.
#pragma once

#include <boost/asio.hpp>
#include <chrono>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// [slide:sleep_for]
inline net::awaitable<void> sleep_for(std::chrono::steady_clock::duration d) {
  // SOLUTION: the timer lives in this coroutine's frame, so it stays alive
  // for exactly as long as the wait. It must use our own executor: a timer
  // on another io_context would resume us on that context's thread.
  net::steady_timer timer(co_await net::this_coro::executor, d);
  // async_wait registers the wait and suspends; the thread is free until the
  // timer fires. A cancellation (from `||`, say) reaches the timer through
  // use_awaitable and completes the wait early with operation_aborted,
  // which use_awaitable turns into an exception.
  co_await timer.async_wait(net::use_awaitable);
}
// [/slide]

// Another way: a timer that expires at a time point,
// `net::steady_timer timer(ex, std::chrono::steady_clock::now() + d)`, is the
// same wait, and how a `sleep_until(t)` is written. Not `net::system_timer`:
// it follows the wall clock, which jumps when someone sets the system time.
