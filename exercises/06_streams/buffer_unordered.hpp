// Exercise 06_streams/buffer_unordered
//
// The talk's pipeline is `stream::iter(urls).map(fetch).buffer_unordered(8)
// .collect()`: `map` turns each URL into a request that has not started
// yet, and `buffer_unordered(8)` runs those requests, eight at a time,
// handing out each answer as soon as it arrives. In C++ the requests are
// `net::awaitable<T>`s (lazy too: nothing runs until someone starts them),
// so the stream to run is a `coro<net::awaitable<T>>`, and what comes out
// is a `coro<T>`.
//
// Five facts for the job:
//   - there is no executor parameter: like the map_filter adaptors, this
//     coro takes its executor from its first parameter, `tasks`. In the
//     body, `auto ex = co_await net::this_coro::executor;` gives it to you;
//   - `net::co_spawn(ex, std::move(task), handler)` starts a task now; the
//     handler gets `(std::exception_ptr, T)` when it ends. T must be
//     default-constructible (that is what a failed task hands over);
//   - such a handler can pass its result to your coro through a channel:
//     `ch.try_send(boost::system::error_code{}, result)`, received with
//     `co_await ch.async_receive(net::deferred)`. In Asio 1.81 a coro can
//     await only channels that carry one value after the error code (a
//     bug, fixed in Boost 1.82): put what you send into one struct;
//   - `try_send` never waits: when the channel is full and nobody is
//     receiving, it returns false and the result is lost. Give the channel
//     room for a result from every task that may be running;
//   - a coro must be pulled from one place at a time: let only this
//     coroutine pull `tasks`, never the tasks themselves.
//
// Write `buffer_unordered(tasks, n)`: run the tasks of `tasks`, at
// most n at a time, and yield their results in the order they finish.
// Like Rust's, it starts tasks only when it is pulled.
//
// Done when:
//   - at most n tasks run at any moment, and n do when there are enough;
//   - results come in the order the tasks finish, not the order they came;
//   - every task runs exactly once and every result comes out, then the end;
//   - when a task throws, the consumer gets that exception once no task is
//     running any more, and no new task starts after it;
//   - waiting for results costs no CPU.
//
// Pitfall: ending the stream when `tasks` ends forgets the tasks that are
// still running, and their results.
#pragma once

// The channel headers must come before coro.hpp: included after it, they do
// not compile in Boost 1.81 to 1.84 (coro.hpp declares a name they trip
// over; Boost 1.85 fixed it).
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
net::experimental::coro<T> buffer_unordered(net::experimental::coro<net::awaitable<T>> tasks,
                                            std::size_t n) {
  // TODO: start tasks while fewer than n run, hand out each result when its
  //       task ends, and end once `tasks` has ended and nothing runs.
  co_return lunch::todo("buffer_unordered: run the tasks, at most n at a "
                        "time, and yield each result as its task ends");
}
