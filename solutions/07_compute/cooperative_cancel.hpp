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
  // SOLUTION: the stop flag is the bridge between the two threads: the
  // cancellation handler raises it (on the emitting thread), the loop reads
  // it (on the pool), hence an atomic. Like `sum` and `done`, it lives in
  // this coroutine's frame, which stays suspended until the handler runs.
  std::atomic<bool> stop = false;
  long sum = 0;
  int done = 0;

  auto run_on_pool = [&](auto handler) {
    // SOLUTION: listen for this coroutine's cancellation (facts 2 and 3).
    // Only raise the flag here: completing the operation from here would
    // resume the caller while a step may still be running.
    auto slot = net::get_associated_cancellation_slot(handler);
    if (slot.is_connected())
      slot.assign([&stop](net::cancellation_type) { stop = true; });

    net::post(pool, [&, handler = std::move(handler)]() mutable {
      // SOLUTION: the checkpoint, between two steps.
      for (; done < steps && !stop; ++done) sum += step(done);
      boost::system::error_code ec;
      if (done < steps) ec = net::error::operation_aborted;
      // Back to the caller's executor, with the error as the argument.
      net::dispatch(net::append(std::move(handler), ec));
    });
  };
  // Fact 4: operation_aborted comes out of this line as system_error.
  co_await net::async_initiate<decltype(net::use_awaitable),
                               void(boost::system::error_code)>(
      run_on_pool, net::use_awaitable);
  co_return sum;
}

// Another way: a coroutine whose checkpoints are co_awaits. Spawn a loop
// `for (...) { sum += step(i); co_await net::post(ex, net::use_awaitable); }`
// on a strand of the pool and co_await that with use_awaitable: co_spawn
// forwards the cancellation to the loop, and once cancelled, every later
// co_await throws (the state is sticky). Shorter, but in Boost 1.81 and
// 1.82 the forwarding to another executor goes through a pointer that can
// dangle when the cancellation races with the loop's end (asio #1332,
// fixed in 1.83). And without a co_await in the loop it is worse, up to
// Boost 1.84: co_spawn's own bookkeeping throws "co_await: Operation
// canceled" where nothing catches it (1.85 no longer throws there).
