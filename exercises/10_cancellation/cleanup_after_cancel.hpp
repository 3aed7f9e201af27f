// Exercise 10_cancellation/cleanup_after_cancel
//
// A worker takes a permit from a pool, reports to a peer a few times, and
// when it is done gives the permit back and says goodbye. Both are
// asynchronous: giving back is a send into the pool's channel, and the
// goodbye waits until the peer takes it. The worker must do both on every
// way out, including a cancellation.
//
// Four facts:
//   1. Once a coroutine is cancelled, every later `co_await` in it throws
//      at once ("co_await: Operation canceled"), before it starts: the
//      cancellation state is sticky, and cleanup awaits are no exception.
//   2. `co_await net::this_coro::reset_cancellation_state();` clears it.
//   3. C++ allows no `co_await` inside a catch block: keep the exception
//      (std::exception_ptr) and deal with it after the block.
//   4. Whoever cancelled the worker learns that it did from how the worker
//      ends: with the exception that cancelled it.
//
// Done when:
//   - not cancelled: `steps` reports, then the permit comes back and the
//     peer gets "<name> says goodbye"; it returns normally;
//   - cancelled (a cancellation_signal, or a `||` around it) while it waits
//     on a timer or on the peer: the permit comes back and the goodbye
//     reaches the peer, both before the worker ends;
//   - then it ends by rethrowing the exception that cancelled it.
//
// Pitfall: the cleanup that works when nothing was cancelled throws on its
// first co_await when something was; and cleanup handed to a detached task
// is not done when the worker says it is.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <chrono>
#include <exception>
#include <string>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// Free permits: receive one to take it, send one to give it back.
using permit_pool = net::experimental::channel<void(boost::system::error_code)>;
// What the worker tells its peer.
using text_channel = net::experimental::channel<void(boost::system::error_code, std::string)>;

inline net::awaitable<void> worker(permit_pool& permits, text_channel& peer, std::string name,
                                   int steps, std::chrono::milliseconds pause) {
  co_await permits.async_receive(net::use_awaitable);  // the permit is ours from here on
  std::exception_ptr stopped;
  try {
    net::steady_timer timer(co_await net::this_coro::executor);
    for (int i = 0; i < steps; ++i) {
      co_await peer.async_send({}, name + " working", net::use_awaitable);
      timer.expires_after(pause);
      co_await timer.async_wait(net::use_awaitable);
    }
  } catch (...) {
    stopped = std::current_exception();  // fact 3: no co_await in here
  }
  // TODO: give the permit back and say goodbye (`name + " says goodbye"`),
  //       whether the loop finished or was cancelled. Then, if it was
  //       cancelled, end the way it was ended.
  co_return lunch::todo("worker: give the permit back and say goodbye, even when cancelled");
}
