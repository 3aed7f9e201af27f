// Exercise 07_compute/cooperative_cancel
//
// A timeout does not stop a computation. `co_await (work() || timeout)`
// cancels the loser, but in Asio a cancellation is a request, delivered
// only to an operation that listens for it; a loop on a pool thread is not
// listening. It runs to the end, and `||` waits for it, since `||` always
// waits for its loser. Long work that should be stoppable has to
// cooperate: between two pieces, it checks whether anyone asked it to stop.
//
// Write `run_steps(pool, steps, step)`: call step(0), step(1), ...,
// step(steps - 1), one after another on `pool`, and return the sum of what
// they return. Between two steps, find out whether the awaiting coroutine
// has been cancelled; if so, start no further step and end with the error
// `net::error::operation_aborted`.
//
// Four facts:
//   1. `net::async_initiate` (chapter 01) gives you the handler that will
//      resume the awaiting coroutine.
//   2. That coroutine's cancellation reaches the operation it is awaiting
//      through `net::get_associated_cancellation_slot(handler)`:
//      `slot.assign(fn)` makes `fn(type)` run when the cancellation comes,
//      on the thread that emits it. Check `slot.is_connected()` first.
//   3. `||` and `cancellation_signal::emit(terminal)` both arrive there as
//      terminal cancellation.
//   4. An operation completing with an error_code makes use_awaitable throw
//      boost::system::system_error with that code.
//
// Done when:
//   - not cancelled: each step runs once, in order, on one of `pool`'s
//     threads, and the sum comes back;
//   - cancelled (a `||` timeout, or a cancellation_signal emitted by hand):
//     at most two more steps start, then run_steps throws
//     boost::system::system_error with net::error::operation_aborted;
//   - by then no step is running, and no step starts afterwards;
//   - while the steps run, the caller's thread is free.
//
// Pitfall: the cancellation handler runs on the thread that emits, the
// steps on a pool thread: what they share must be safe for both (an
// atomic), and the handler must not complete the operation itself while a
// step may still be running.
#pragma once

#include <boost/asio.hpp>

#include <atomic>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class Step>
net::awaitable<long> run_steps(net::any_io_executor pool, int steps, Step step) {
  // TODO: run the steps on `pool`, looking between two steps for a
  //       cancellation of this coroutine; come back here with the sum, or
  //       with operation_aborted.
  co_return lunch::todo<long>("run_steps: run the steps on the pool, and stop between two steps once cancelled");
}
