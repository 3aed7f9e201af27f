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
  for (int i = 0; i < count; ++i) {
    // SOLUTION: a coro cannot await a net::awaitable, but co_spawn with
    // net::deferred makes it an operation that starts when awaited: here,
    // once the consumer has asked for value i, and not before.
    T value = co_await net::co_spawn(ex, produce(i), net::deferred);
    // SOLUTION: the body stops here until the next pull. That is the whole
    // of the laziness: no counter, no buffer.
    co_yield std::move(value);
  }
  // SOLUTION: returning is the end of the stream (the consumer's next pull
  // gets an empty optional). An exception from produce(i) needs no code: it
  // leaves the body, and the coro hands it to the pull that was waiting.
}

// Another way: `co_yield co_await net::co_spawn(ex, produce(i), net::deferred);`
// says the same in one line. What would not do: a producer task that runs
// ahead into a channel. Even with a channel of capacity 0 it holds value
// i+1, already produced, while the consumer still works on value i.
