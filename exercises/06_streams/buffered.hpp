// Exercise 06_streams/buffered
//
// `buffer_unordered(n)` hands results out as they finish. Its sibling
// `buffered(n)` runs the tasks the same way, at most n at a time, but hands
// the results out in the order the tasks came in: result i waits for
// results 0 .. i-1, and not for anything else.
//
// Start from your buffer_unordered. What changes:
//   - each task needs its position, sent along with its result;
//   - a result that finishes early waits in a buffer until its turn;
//   - in Rust's `buffered` a task holds its place until its result has
//     been handed out: a slow first task holds up the rest, and no more
//     than n results ever wait in the buffer. Do the same (freeing the
//     place when the task ends also keeps n running at most, but lets
//     early results pile up without limit behind a slow first one).
//
// Write `buffered(tasks, n)`: run the tasks of `tasks`, at most n at a
// time, and yield their results in input order. Its executor comes from
// `tasks`, as buffer_unordered's does.
//
// Done when:
//   - at most n tasks run at any moment, and n do when there are enough;
//   - a task holds its place until its result has been handed out;
//   - results come in input order, even when later tasks finish first;
//   - a result comes out as soon as it and all the results before it are
//     ready: when task 0 finishes, the consumer gets it without waiting for
//     the rest of the tasks running with it;
//   - when a task throws, the consumer first gets the results before it,
//     then its exception, once no task is running any more.
//
// Pitfall: waiting for all n running tasks and then sorting their results
// keeps the order and the limit, and makes every result wait for the
// slowest task of its batch.
#pragma once

// The channel headers must come before coro.hpp: included after it, they do
// not compile in Boost 1.81 to 1.84 (coro.hpp declares a name they trip
// over; Boost 1.85 fixed it).
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
net::experimental::coro<T> buffered(net::experimental::coro<net::awaitable<T>> tasks,
                                    std::size_t n) {
  // TODO: run the tasks as buffer_unordered does, and hand out result i
  //       as soon as results 0 .. i are all in.
  co_return lunch::todo("buffered: run the tasks, at most n at a time, and "
                        "yield the results in input order");
}
