// Exercise 02_join_spawn/join_all
//
// `co_await a(); co_await b();` runs b only after a has finished, even when
// both spend their time waiting on the network. Rust's `join_all` starts
// every future and then waits for the lot. Asio's tool for that is a
// parallel group: `net::experimental::make_parallel_group`, which also
// accepts a std::vector of operations when you do not know how many there
// are until run time.
//
// Write `join_all(tasks)`: run every task at the same time, on the
// executor of the coroutine that called you (one thread: while one task
// waits, the others run), and return their results.
//
// Done when:
//   - the tasks overlap: every task has started before the first one ends,
//     so the total time is about that of the slowest, not the sum;
//   - results come back in input order: result i belongs to tasks[i], even
//     when tasks[i] finished last;
//   - if a task throws, join_all throws that same exception (its own type
//     and message, not net::multiple_exceptions); if several throw, the one
//     that was thrown first wins;
//   - join_all returns or throws only once no task is running any more
//     (the tasks may refer to the caller's locals);
//   - waiting costs no CPU: join_all is woken as tasks finish, it does not
//     keep asking them;
//   - an empty vector gives an empty result at once.
//
// Pitfall: an `awaitable` is lazy: nothing runs until it is awaited or
// spawned. So a loop that co_awaits each task in turn is still sequential.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <exception>
#include <utility>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
net::awaitable<std::vector<T>> join_all(std::vector<net::awaitable<T>> tasks) {
  // TODO: start them all first, then wait once for the lot. Which of the
  //       failures counts as "the first"?
  co_return lunch::todo<std::vector<T>>(
      "join_all: start every task, then wait for all of them");
}
