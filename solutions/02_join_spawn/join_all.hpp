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

// [slide:join_all]
template <class T>
net::awaitable<std::vector<T>> join_all(std::vector<net::awaitable<T>> tasks) {
  // SOLUTION: a group of zero operations never calls its handler, and this
  // coroutine would be dropped without ever resuming. Answer at once.
  if (tasks.empty()) co_return std::vector<T>{};

  // SOLUTION: `deferred` turns each task into an operation that starts only
  // when the group launches it. The ranged group wants one element type;
  // co_spawn of an awaitable<T> gives the same type whatever the coroutine.
  auto ex = co_await net::this_coro::executor;
  using operation = decltype(net::co_spawn(
      ex, std::declval<net::awaitable<T>>(), net::deferred));
  std::vector<operation> ops;
  ops.reserve(tasks.size());
  for (auto& task : tasks)
    ops.push_back(net::co_spawn(ex, std::move(task), net::deferred));

  // SOLUTION: wait_for_all lets every task run to its end, even after one
  // has failed, so nothing is left running when we return. The group hands
  // back the completion order, then each task's exception and value, both
  // in input order.
  auto [order, errors, values] =
      co_await net::experimental::make_parallel_group(std::move(ops))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);

  // SOLUTION: walk the completion order, not the input order, so the
  // exception thrown first wins.
  for (std::size_t i : order)
    if (errors[i]) std::rethrow_exception(errors[i]);
  co_return std::move(values);
}
// [/slide]

// Another way: `wait_for_one_error()` instead of `wait_for_all()` cancels the
// other tasks on the first failure, which is what `a && b` does. The
// cancelled tasks then end with their own exception (a timer's
// operation_aborted), which is why the first one in *completion* order is the
// one to rethrow. A hand-written version works too: co_spawn each task with
// a handler that stores its result in slot i and resumes the caller when a
// counter reaches zero.
