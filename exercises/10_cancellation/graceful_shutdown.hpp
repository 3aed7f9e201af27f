// Exercise 10_cancellation/graceful_shutdown
//
// A server that is told to stop should not drop its clients mid-sentence,
// nor wait for them forever. The usual plan, in Tokio as anywhere: stop
// accepting, give the sessions in flight a grace period to end on their own,
// then cancel the ones still running, and wait until they have ended.
//
// Write `serve(acceptor, grace, session)`: accept connections on
// `acceptor` (already listening) and run `session(std::move(socket))` for
// each, all at the same time, until `serve` itself is cancelled. That
// cancellation is the shutdown request: a cancellation_signal in the test,
// Ctrl-C through a signal_set in the demo. Return how the sessions ended.
//
// Four facts:
//   1. The shutdown request reaches `serve` as the cancellation of the
//      operation it awaits: the accept completes with operation_aborted.
//   2. From then on every co_await in `serve` throws, unless you call
//      `co_await net::this_coro::reset_cancellation_state();` (the
//      cleanup_after_cancel exercise).
//   3. Sessions co_spawned with `detached` are nobody's children: nothing
//      cancels them or waits for them. Give each a cancellation_signal of
//      its own (net::bind_cancellation_slot) and a completion handler that
//      counts it out.
//   4. A steady_timer set to time_point::max() is a condition variable:
//      the last session to end can `cancel()` it to wake the drain.
//
// Done when:
//   - after the request, a new connection is refused (close the acceptor);
//   - sessions in flight may finish during `grace`; `serve` returns as soon
//     as the last one has, without waiting out the grace period;
//   - the sessions still running after `grace` are cancelled;
//   - `finished` counts the sessions that returned normally, `cancelled`
//     those that ended with an exception;
//   - no session is running, or can still run, once `serve` returns.
//
// Pitfall: `io_context::stop()` is no shutdown. It only makes run() return:
// suspended sessions are neither resumed nor cancelled, no catch block and
// no completion handler runs, and nobody counts anything.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <chrono>
#include <exception>
#include <list>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

struct shutdown_report {
  int finished = 0;   // sessions that returned normally
  int cancelled = 0;  // sessions that ended with an exception (cancelled)
};

// Session: a callable, session(net::ip::tcp::socket) -> net::awaitable<void>.
template <class Session>
net::awaitable<shutdown_report> serve(net::ip::tcp::acceptor& acceptor,
                                      std::chrono::steady_clock::duration grace,
                                      Session session) {
  // TODO: accept and start sessions until the accept is cancelled; then
  //       stop accepting, wait for the sessions (but not longer than
  //       `grace`), cancel the rest, wait for them too, and report.
  co_return lunch::todo<shutdown_report>(
      "serve: accept until cancelled, then drain within the grace period and cancel the rest");
}
