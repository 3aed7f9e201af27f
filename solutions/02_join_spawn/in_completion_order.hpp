// Exercise 02_join_spawn/in_completion_order
//
// join_all hands results back in input order. Often you would rather have
// them as they come: show the fastest answer first, or stop caring about
// the slow ones. Rust collects a `FuturesUnordered` for that. A parallel
// group already knows the answer: the first thing it gives you is the list
// of task indices in the order the tasks completed.
//
// Write `in_completion_order(tasks)`: run every task at the same time on
// the caller's executor, like join_all, and return one `finished{index,
// value}` per task, in the order the tasks finished. `index` says which
// task it was (its position in `tasks`).
//
// Done when:
//   - the first element is the task that finished first, and so on;
//   - each element's index and value belong to the same task;
//   - the tasks overlap (all of them start before the first one ends), and
//     waiting for them costs no CPU;
//   - if a task throws, in_completion_order throws that same exception,
//     after every task has ended (the first one thrown, if several);
//   - an empty vector gives an empty result at once.
//
// Pitfall: a group with no operations in it never completes.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstddef>
#include <exception>
#include <utility>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// One task's result, and which task it came from.
template <class T>
struct finished {
  std::size_t index;
  T value;
};

template <class T>
net::awaitable<std::vector<finished<T>>> in_completion_order(
    std::vector<net::awaitable<T>> tasks) {
  // SOLUTION: the same group as join_all (see there for the why of each
  // step); only the way the results are read out differs.
  if (tasks.empty()) co_return std::vector<finished<T>>{};
  auto ex = co_await net::this_coro::executor;
  using operation = decltype(net::co_spawn(
      ex, std::declval<net::awaitable<T>>(), net::deferred));
  std::vector<operation> ops;
  ops.reserve(tasks.size());
  for (auto& task : tasks)
    ops.push_back(net::co_spawn(ex, std::move(task), net::deferred));

  auto [order, errors, values] =
      co_await net::experimental::make_parallel_group(std::move(ops))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);

  // SOLUTION: `order[k]` is the index of the k-th task to finish; `values`
  // and `errors` stay in input order, so look them up through it.
  std::vector<finished<T>> out;
  out.reserve(order.size());
  for (std::size_t i : order) {
    if (errors[i]) std::rethrow_exception(errors[i]);
    out.push_back({i, std::move(values[i])});
  }
  co_return out;
}

// Another way: co_spawn every task with a completion handler that sends
// {index, value} (or the exception) into an `experimental::channel` of
// capacity tasks.size(), then receive tasks.size() times. That version can
// hand each result to the caller the moment it arrives instead of at the
// end, which is what chapter 06's `buffer_unordered` builds on.
