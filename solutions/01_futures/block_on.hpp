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
  // SOLUTION: the io_context is a local: the coroutine's timers and sockets
  // are bound to it, so it must outlive them, and it does, because run()
  // only returns when all of that work is finished.
  net::io_context ctx;
  std::exception_ptr error;

  if constexpr (std::is_void_v<T>) {
    net::co_spawn(ctx, std::move(work),
                  [&](std::exception_ptr e) { error = e; });
    ctx.run();
    if (error) std::rethrow_exception(error);
  } else {
    // co_spawn hands the handler a default-constructed T when the coroutine
    // threw; std::optional keeps "no value" distinct from "a value of 0".
    std::optional<T> value;
    net::co_spawn(ctx, std::move(work), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) value.emplace(std::move(v));
    });
    ctx.run();
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
}

// Another way: `net::co_spawn(ctx, std::move(work), net::use_future)` gives a
// std::future<T>; run the context, then `future.get()` returns the value or
// rethrows. It costs an allocation and a mutex, which the handler avoids.
