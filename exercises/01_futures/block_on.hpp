// Exercise 01_futures/block_on
//
// A coroutine only runs when something drives it. In Rust,
// `#[tokio::main]` builds a runtime and blocks `main` on your async fn.
// In Asio you do it by hand, in three steps:
//
//   1. make an event loop, `net::io_context`;
//   2. start the coroutine on it with `net::co_spawn`, passing a completion
//      handler that receives `(std::exception_ptr, T)` when it ends;
//   3. call `run()`, which returns once there is no work left.
//
// Write `block_on(work)`: run `work` to completion on a fresh io_context and
// return its value.
//
// Done when:
//   - the coroutine's value comes back (also for awaitable<void>);
//   - an exception thrown inside the coroutine is rethrown by block_on, with
//     its own type and message, for awaitable<T> and awaitable<void> alike;
//   - asynchronous waits inside the coroutine (timers) work;
//   - the coroutine runs on the thread that called block_on: that thread
//     drives the event loop, like Tokio's current-thread runtime.
//
// Pitfall: `net::detached` as the completion token throws the result and the
// exception away: your caller would never hear of either.
#pragma once

#include <boost/asio.hpp>
#include <exception>
#include <optional>
#include <type_traits>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
T block_on(net::awaitable<T> work) {
  // TODO: the three steps above. What must the handler keep, so that you
  //       can return or rethrow once run() is done? (awaitable<void> has no
  //       value to keep.)
  return lunch::todo<T>("block_on: run the coroutine on an io_context");
}
