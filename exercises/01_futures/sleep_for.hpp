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

inline net::awaitable<void> sleep_for(std::chrono::steady_clock::duration d) {
  // TODO: let `d` pass without holding up the thread.
  co_return lunch::todo("sleep_for: wait on a timer, not return at once");
}
