// The half of test_spawn_all.cpp that does not depend on the exercise: the
// tasks, the pools and the coroutines that await spawn_all. It is compiled
// once, with the course, so that `lunch check spawn_all` compiles only the
// test cases and the learner's file. spawn_all comes in as a plain function.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace spawn_all_harness {

namespace net = boost::asio;

// The code under test: spawn_all<int>(pool, tasks).
using spawn_fn = std::function<net::awaitable<std::vector<int>>(net::any_io_executor,
                                                                std::vector<net::awaitable<int>>)>;

// What spawn_all returned, and the caller's thread before and after it.
struct outcome {
  std::vector<int> values;
  std::thread::id before, after;
};

struct meetings {
  std::vector<int> met;  // per task: 1 if all 3 arrived within 1.5 s
  int off_pool = 0;      // tasks that ran outside the pool
};
// 3 tasks on a pool of 3 that block until all 3 have arrived (or 1.5 s).
// Deadline 8 s.
meetings three_meetings(const spawn_fn& spawn_all);

struct timed {
  outcome out;
  double cpu_ms = 0, wall_ms = 0;  // the process's CPU time; the wall time
};
// 4 tasks on a pool of 2: task i naps (4 - i) x 30 ms and returns i x 10.
// Deadline 5 s.
timed four_naps(const spawn_fn& spawn_all);

// 3 tasks on a pool of 2 that nap 20 ms and return 0, 1, 2. Deadline 5 s.
outcome three_naps(const spawn_fn& spawn_all);

// On a pool of 2, spawn_all of one task that waits (1.5 s limit) for a
// coroutine spawned beside it on the caller's thread: values[0] is 1 if it
// came. Deadline 5 s.
outcome beside_the_caller(const spawn_fn& spawn_all);

// On a pool of 2, task 0 throws std::out_of_range("task 0 broke on the
// pool") after 10 ms and task 1 naps 150 ms. lunch::describe() of what
// spawn_all threw, followed by ", N task(s) still running" for an exception
// other than net::multiple_exceptions; "a hang" past the deadline of 3 s.
std::string after_a_failure(const spawn_fn& spawn_all);

// spawn_all of no tasks on a pool of 1; values starts as {-1}. Deadline 5 s.
outcome nothing(const spawn_fn& spawn_all);

}  // namespace spawn_all_harness
