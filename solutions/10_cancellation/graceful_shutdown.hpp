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
  using namespace net::experimental::awaitable_operators;
  auto ex = co_await net::this_coro::executor;
  shutdown_report report;

  // SOLUTION: each session gets its own signal, so that the server can
  // cancel it later. A std::list keeps every signal at one address while
  // others come and go; an entry is dropped only once its session has
  // ended (and never from inside its own completion handler).
  struct running_session {
    net::cancellation_signal stop;
    bool over = false;
  };
  std::list<running_session> sessions;
  int running = 0;
  net::steady_timer all_ended(ex, net::steady_timer::time_point::max());  // fact 4

  for (;;) {
    // SOLUTION: as_tuple: the shutdown request arrives as an error code
    // here (fact 1) instead of an exception.
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec) break;
    sessions.remove_if([](const running_session& s) { return s.over; });
    auto& entry = sessions.emplace_back();
    ++running;
    net::co_spawn(ex, session(std::move(socket)),
                  net::bind_cancellation_slot(entry.stop.slot(),
                                              [&, e = &entry](std::exception_ptr error) {
                                                ++(error ? report.cancelled : report.finished);
                                                e->over = true;
                                                if (--running == 0) all_ended.cancel();
                                              }));
  }

  // SOLUTION: fact 2: we were cancelled, and we still have waiting to do.
  co_await net::this_coro::reset_cancellation_state();
  acceptor.close();  // stop accepting: new connections are refused

  if (running > 0) {
    // SOLUTION: the grace period. The as_tuple makes "all ended" (the
    // timer's cancel) a success, so that `||` takes it as a win; the
    // grace timer's side wins when it expires.
    net::steady_timer grace_timer(ex, grace);
    co_await (all_ended.async_wait(net::as_tuple(net::use_awaitable)) ||
              grace_timer.async_wait(net::use_awaitable));
  }
  // SOLUTION: whoever is still running now is cancelled, and waited for:
  // their completion handlers use `report` and `running`, which live in
  // this frame.
  for (auto& s : sessions)
    if (!s.over) s.stop.emit(net::cancellation_type::terminal);
  while (running > 0) co_await all_ended.async_wait(net::as_tuple(net::use_awaitable));
  co_return report;
}

// Another way: keep the sessions' sockets (a shared_ptr each, in a list)
// and end the stragglers with socket.close(): every pending read and write
// on it completes with an error and the session unwinds. That ends a
// session only while it waits on its socket; a cancellation signal ends it
// whatever it awaits. Tokio's version of the plan hands every session a
// child CancellationToken and tracks them in a JoinSet or TaskTracker.
