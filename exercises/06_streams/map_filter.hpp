// Exercise 06_streams/map_filter
//
// Rust's `StreamExt` gives every stream `map`, `filter`, `take` and more.
// Each one wraps a stream in another stream, and pulls from the inner one
// only when it is pulled itself. In C++ an adaptor is a coro that takes its
// source coro by value (it owns it now) and pulls from it inside its body:
// `auto v = co_await source;` gives a `std::optional<T>`, empty at the end.
//
// Know what each adaptor yields before you chain them:
//   map(coro<T>, f)        -> coro<U>  with U = what f(T) returns
//   filter(coro<T>, keep)  -> coro<T>  the values for which keep(v) is true
//   take(coro<T>, n)       -> coro<T>  the first n values, then the end
//   collect(coro<T>)       -> awaitable<std::vector<T>>: not a stream
// (collect is written for you below: it shows the consumer's side.)
//
// The source comes first, and no executor is passed: a coro takes its
// executor from its first parameter, and another coro has one, so each
// adaptor runs where its source runs. An executor first and the source
// second is the obvious order, but clang 19 rejects it ("no matching
// constructor for initialization of ... promise_type"): that pair fits two
// of Asio's promise constructors, and clang finds the choice ambiguous.
//
// Done when:
//   - values keep their order: map changes each, filter drops the ones not
//     kept, take stops after n;
//   - they are lazy: pulling k values of map(filter(source)) pulls only the
//     source values needed to find k kept ones, and take(n) pulls exactly
//     n (none for n == 0);
//   - the end of the source ends every adaptor over it;
//   - an exception from the source reaches the consumer through them.
//
// Pitfall: once a pull has returned the end, do not pull again. With
// `co_await source` that resumes a finished coroutine: undefined behaviour,
// in practice a crash.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// Pulls every value, in order, until the end. Like Rust's `.collect()`, it
// turns a stream back into one awaitable result.
template <class T>
net::awaitable<std::vector<T>> collect(net::experimental::coro<T> stream) {
  std::vector<T> all;
  while (auto v = co_await stream.async_resume(net::use_awaitable))
    all.push_back(std::move(*v));
  co_return all;
}

template <class T, class F>
net::experimental::coro<std::invoke_result_t<F&, T>> map(net::experimental::coro<T> source, F f) {
  // TODO: for each value the source yields, yield f(value).
  co_return lunch::todo("map: yield f(v) for each value v of the source");
}

template <class T, class Keep>
net::experimental::coro<T> filter(net::experimental::coro<T> source, Keep keep) {
  // TODO: yield the source's values for which keep(v) is true.
  co_return lunch::todo("filter: yield the values v of the source with keep(v) true");
}

template <class T>
net::experimental::coro<T> take(net::experimental::coro<T> source, std::size_t n) {
  // TODO: yield the source's first n values, then end. How many times do
  //       you pull the source for that?
  co_return lunch::todo("take: yield the first n values of the source, then end");
}
