// Tests for exercises/02_join_spawn/join_all.hpp
//
// Every task returns a std::string, so that the test compiles join_all (and
// the parallel group inside it) once: each element type is one more
// instantiation, and a learner recompiles this file on every save.
//
// The tasks below take references to the test's locals. That is fine here,
// and it is the point of joining: join_all does not finish before the tasks
// do, so the locals outlive every task that uses them.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "join_all.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/todo.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

using lunch::nap;

namespace {

// What each task did, in the order it happened (one thread: no lock needed).
struct event {
  bool start;
  int task;
  std::thread::id thread;
};

net::awaitable<std::string> logged(std::vector<event>& log, int i, ms d) {
  log.push_back({true, i, std::this_thread::get_id()});
  co_await nap(d);
  log.push_back({false, i, std::this_thread::get_id()});
  co_return "task " + std::to_string(i);
}

// How many tasks are still running once join_all has given up on a failure.
net::awaitable<int> running_after_failure(int& running) {
  std::vector<net::awaitable<std::string>> tasks;
  tasks.push_back(lunch::counted_nap(running, 60ms, std::string("slow")));
  tasks.push_back(lunch::fail_after<std::string>(10ms, "task 1 failed"));
  tasks.push_back(lunch::counted_nap(running, 60ms, std::string("slow")));
  try {
    co_await join_all(std::move(tasks));
  } catch (const lunch::todo_error&) {
    throw;
  } catch (...) {
    // Which exception arrives is the previous test's business.
  }
  co_return running;
}

}  // namespace

TEST_SUITE("join_all") {

TEST_CASE("every task starts before the first one finishes") {
  std::vector<event> log;
  std::vector<net::awaitable<std::string>> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(logged(log, i, 20ms));
  lunch::run(join_all(std::move(tasks)), {.deadline = 5s, .what = "join_all of 4 naps"});

  REQUIRE(log.size() == 8);
  // The first "finished" event, and the first "started" event after it.
  std::size_t first_end = 0;
  while (first_end < log.size() && log[first_end].start) ++first_end;
  std::size_t late = first_end;
  while (late < log.size() && !log[late].start) ++late;
  const bool all_started_first = late == log.size();
  CHECK_MESSAGE(all_started_first,
                "the tasks ran one after another: task "
                    << (all_started_first ? -1 : log[late].task)
                    << " started after task " << log[first_end].task
                    << " had finished");
}

TEST_CASE("the total time is about the slowest task, not the sum, and waiting burns no CPU") {
  std::vector<event> log;
  std::vector<net::awaitable<std::string>> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(logged(log, i, 100ms));
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(join_all(std::move(tasks)), {.deadline = 5s, .what = "join_all of 5 naps"});
  CHECK_MESSAGE(sw.elapsed() < 250ms,
                "five 100 ms naps took " << sw.ms() << " ms together; "
                "overlapping, they take about 100 ms (in a row: 500 ms)");
  // Waiting for five timers costs next to no CPU. A join_all that checks
  // "all done yet?" in a loop of co_await post(...) burns a whole core.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while join_all "
                "waited " << sw.ms() << " ms for five naps: it polls instead "
                "of waiting to be woken");
}

TEST_CASE("every task runs on the caller's thread") {
  std::vector<event> log;
  std::vector<net::awaitable<std::string>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(logged(log, i, 10ms));
  lunch::run(join_all(std::move(tasks)), {.deadline = 5s, .what = "join_all of 3 naps"});
  int elsewhere = 0;
  for (const auto& e : log) elsewhere += e.thread != std::this_thread::get_id();
  CHECK_MESSAGE(elsewhere == 0,
                "some tasks ran on another thread: join_all runs the tasks on "
                "the caller's own executor (putting them on other threads is "
                "spawn_all's job)");
}

TEST_CASE("results come back in input order, even when the last task finishes first") {
  std::vector<event> log;
  std::vector<net::awaitable<std::string>> tasks;
  // Task 0 naps longest, task 3 shortest: they finish in reverse order.
  for (int i = 0; i < 4; ++i) tasks.push_back(logged(log, i, (4 - i) * 15ms));
  auto got = lunch::run(join_all(std::move(tasks)),
                        {.deadline = 5s, .what = "join_all of 4 naps"});
  const std::vector<std::string> want{"task 0", "task 1", "task 2", "task 3"};
  std::string seen;
  for (const auto& s : got) seen += "'" + s + "' ";
  CHECK_MESSAGE(got == want,
                "results: " << seen << "; result i must be tasks[i]'s value, "
                "whatever order the tasks finished in");
}

TEST_CASE("the first exception thrown reaches the caller as itself") {
  std::vector<net::awaitable<std::string>> tasks;
  int running = 0;
  tasks.push_back(lunch::counted_nap(running, 120ms, std::string("slow")));
  tasks.push_back(lunch::fail_after<std::string>(80ms, "task 1 failed second"));
  tasks.push_back(lunch::fail_after<std::string>(20ms, "task 2 failed first"));
  auto got = lunch::run(lunch::what_is_thrown_by(join_all(std::move(tasks))),
                        {.deadline = 5s, .what = "join_all with failing tasks"});
  if (got == "nothing")
    FAIL_CHECK("join_all returned normally although two tasks threw: the "
               "exceptions were lost");
  else if (got == "net::multiple_exceptions")
    FAIL_CHECK("join_all threw net::multiple_exceptions: rethrow the task's "
               "own exception instead");
  else
    CHECK_MESSAGE(got == "std::out_of_range: task 2 failed first",
                  "join_all threw '" << got << "', but task 2's exception was "
                  "the first one thrown (walk the completion order, not the "
                  "input order)");
}

TEST_CASE("when a task fails, join_all ends only after every task has ended") {
  int running = 0;
  const int still_running = lunch::run(
      running_after_failure(running),
      {.deadline = 5s, .what = "join_all with a failing task"});
  CHECK_MESSAGE(still_running == 0,
                still_running << " task(s) were still running when join_all "
                "threw: they may use the caller's locals, which are about to "
                "go away. Wait for them (or cancel them and wait for that)");
}

TEST_CASE("an empty vector gives an empty result at once") {
  auto got = lunch::run(join_all(std::vector<net::awaitable<std::string>>{}),
                        {.deadline = 5s, .what = "join_all of nothing"});
  CHECK(got.empty());
}

}  // TEST_SUITE
