// Exercise 01_futures/async_delay_value
//
// Rust futures are polled: the runtime keeps asking "ready yet?". Asio
// operations complete instead: you start one and hand it a completion token
// that says how you want to hear about the result:
//
//   net::use_awaitable   co_await it in a coroutine
//   net::use_future      get a std::future
//   net::deferred        get a lazy operation to start later
//   a callable           call me back: handler(error_code, value)
//
// One function serves all of them when it is written with
// `net::async_initiate`: it declares the completion signature and an
// "initiation" that starts the work; the token decides the rest.
//
// Write `async_delay_value(ex, delay, value, token)`: after `delay`, complete
// with `(error_code{}, value)`.
//
// Done when:
//   - it works with use_awaitable, use_future, deferred and a callback;
//   - the callback is never called from inside async_delay_value itself,
//     only later, from the event loop (callers rely on that);
//   - the callback runs on its associated executor (the one
//     `net::bind_executor` gave it), whichever executor the timer uses;
//   - the delay counts from when the operation starts: a `deferred` one
//     starts when it is launched, not when async_delay_value is called;
//   - it can be cancelled through the handler's cancellation slot (that is
//     what `||` does to the loser): it then ends at once with
//     operation_aborted.
//
// Pitfall: the timer must live until it fires, but the initiation returns at
// once. Keep it alive with the handler: `net::consign(handler, std::move(p))`
// holds `p` until the handler runs. `net::append(handler, v)` adds `v` to the
// arguments the handler is called with.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T, class CompletionToken>
auto async_delay_value(net::any_io_executor ex,
                       std::chrono::steady_clock::duration delay, T value,
                       CompletionToken&& token) {
  return net::async_initiate<CompletionToken,
                             void(boost::system::error_code, T)>(
      [](auto handler, net::any_io_executor ex,
         std::chrono::steady_clock::duration delay, T value) {
        // TODO: start a timer wait whose completion becomes
        //       `handler(ec, value)`. This lambda returns before the wait
        //       ends: what keeps the timer alive until then?
        lunch::todo("async_delay_value: start a timer wait that completes "
                    "the handler with the value");
      },
      token, std::move(ex), delay, std::move(value));
}
