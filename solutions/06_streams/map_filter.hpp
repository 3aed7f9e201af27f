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
  // SOLUTION: one pull from the source per pull from us; the while loop
  // stops at the end, so the source is never pulled past it.
  while (auto v = co_await source) co_yield f(std::move(*v));
}

template <class T, class Keep>
net::experimental::coro<T> filter(net::experimental::coro<T> source, Keep keep) {
  // SOLUTION: as many source pulls as it takes to find one kept value, and
  // not one more: the next is pulled only when we are pulled again.
  while (auto v = co_await source)
    if (keep(*v)) co_yield std::move(*v);
}

template <class T>
net::experimental::coro<T> take(net::experimental::coro<T> source, std::size_t n) {
  // SOLUTION: count before pulling. Pulling first and then checking the
  // count would pull value n+1 from the source for nothing (and wait for it).
  for (std::size_t taken = 0; taken < n; ++taken) {
    auto v = co_await source;
    if (!v) co_return;
    co_yield std::move(*v);
  }
}

// Another way: pull with `co_await source.async_resume(net::deferred)`. It
// costs a trip through the executor per value, and a pull after the end
// throws a "Broken pipe" system_error instead of crashing. An exception
// from the source needs no code in either form: it leaves the adaptor's
// body the way it left the source's.
