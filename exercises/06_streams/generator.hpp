// Exercise 06_streams/generator
//
// A Rust `Stream` is an iterator whose `next()` you await: the consumer asks
// for one item, waits for it, and asks again when it wants the next one. C++
// has no standard async sequence. Asio's experimental `coro<T>` is one.
//
// Five facts about `net::experimental::coro<T>`:
//   - it is a coroutine that returns `coro<T>`; its first parameter is the
//     executor it runs on;
//   - its body does not start until the first pull, and `co_yield v;` hands
//     v over and stops the body there until the next pull;
//   - the consumer pulls with `co_await s.async_resume(net::use_awaitable)`
//     and gets a `std::optional<T>`, empty once the body has returned;
//   - an exception that leaves the body is thrown to the consumer by the
//     pull that was running;
//   - inside a coro you await asynchronous operations written with
//     `net::deferred`. A `net::awaitable` is not one, but
//     `net::co_spawn(ex, task, net::deferred)` is.
//
// Write `generate(ex, count, produce)`: the stream of the values of
// `produce(0)`, `produce(1)`, ..., `produce(count - 1)`, each one awaited
// only when the consumer asks for it.
//
// Done when:
//   - the consumer gets the `count` values in order, then the end;
//   - nothing is produced before the first pull, and after k pulls exactly
//     k values have been produced (no read-ahead);
//   - an exception thrown by `produce(i)` reaches the consumer at the pull
//     that asked for value i, after values 0 .. i-1;
//   - `count == 0` gives an empty stream: the first pull is the end.
//
// Pitfall: awaiting every value into a vector and then yielding from it
// passes an "in order" check and loses the point of a stream: the first
// value waits for the last, and all of them sit in memory at once.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <functional>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
net::experimental::coro<T> generate(net::any_io_executor ex, int count,
                                    std::function<net::awaitable<T>(int)> produce) {
  // TODO: for each i, wait for the value of produce(i), then hand it to the
  //       consumer. The facts above say how to do each half inside a coro.
  co_return lunch::todo("generate: yield the values of produce(0), "
                        "produce(1), ... one per pull");
}
