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
  // TODO: run the tasks as join_all does. What does the group tell you
  //       about the order in which they finished?
  co_return lunch::todo<std::vector<finished<T>>>(
      "in_completion_order: return the results in the order the tasks "
      "finished");
}
