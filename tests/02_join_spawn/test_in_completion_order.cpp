// Tests for exercises/02_join_spawn/in_completion_order.hpp
//
// The naps have distinct lengths, 30 ms or more apart, so the order in which
// they finish is fixed: it does not depend on how busy the machine is.
#include <doctest/doctest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "in_completion_order.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/todo.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

using lunch::nap;

namespace {

// Logs "+i" when task i starts and "-i" when it ends.
net::awaitable<std::string> logged(std::vector<std::string>& log, int i, ms d) {
  log.push_back("+" + std::to_string(i));
  co_await nap(d);
  log.push_back("-" + std::to_string(i));
  co_return "task " + std::to_string(i);
}

// What the call threw, in words, and how many tasks were still running then.
net::awaitable<std::string> after_a_failure(int& running) {
  std::vector<net::awaitable<std::string>> tasks;
  tasks.push_back(lunch::counted_nap(running, 150ms, std::string("slow")));
  tasks.push_back(lunch::fail_after<std::string>(80ms, "task 1 failed second"));
  tasks.push_back(lunch::fail_after<std::string>(20ms, "task 2 failed first"));
  const std::string thrown =
      co_await lunch::what_is_thrown_by(in_completion_order(std::move(tasks)));
  co_return thrown + ", " + std::to_string(running) + " task(s) still running";
}

}  // namespace

TEST_SUITE("in_completion_order") {

TEST_CASE("results come in the order the tasks finished, each with its own index, and waiting burns no CPU") {
  std::vector<std::string> log;
  const std::vector<ms> naps{90ms, 30ms, 150ms, 60ms};  // finish: 1, 3, 0, 2
  std::vector<net::awaitable<std::string>> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(logged(log, i, naps[i]));
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  auto got = lunch::run(in_completion_order(std::move(tasks)),
                        {.deadline = 5s, .what = "in_completion_order of 4 naps"});
  // Waiting for timers costs next to no CPU; a loop of co_await post(...)
  // asking "who is done?" burns a whole core.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while waiting "
                << sw.ms() << " ms for four naps: it polls instead of waiting "
                "to be woken");

  std::ostringstream seen;
  for (const auto& r : got) seen << "{" << r.index << ", '" << r.value << "'} ";
  INFO("got: " << seen.str());
  REQUIRE_MESSAGE(got.size() == 4, "expected one result per task");
  // The first result that is out of place, and the first whose index and
  // value disagree (4: none).
  const std::size_t want[] = {1, 3, 0, 2};
  std::size_t misplaced = 4, mismatched = 4;
  for (std::size_t k = 4; k-- > 0;) {
    if (got[k].index != want[k]) misplaced = k;
    if (got[k].value != "task " + std::to_string(got[k].index)) mismatched = k;
  }
  CHECK_MESSAGE(mismatched == 4,
                "a result's index and value belong to different tasks: index "
                "i must come with tasks[i]'s value");
  CHECK_MESSAGE(misplaced == 4,
                "result " << misplaced << " is in the wrong place: naps of "
                "90, 30, 150, 60 ms finish in the order 1, 3, 0, 2 (input "
                "order is join_all's job)");
}

TEST_CASE("every task starts before the first one finishes") {
  std::vector<std::string> log;
  std::vector<net::awaitable<std::string>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(logged(log, i, 40ms));
  lunch::run(in_completion_order(std::move(tasks)),
             {.deadline = 5s, .what = "in_completion_order of 3 naps"});
  std::string seen;
  for (const auto& e : log) seen += e + " ";
  INFO("start (+) and end (-) of each task: " << seen);
  REQUIRE(log.size() == 6);
  const bool all_started_first =
      log[0][0] == '+' && log[1][0] == '+' && log[2][0] == '+';
  CHECK_MESSAGE(all_started_first,
                "a task ended before all had started: the tasks ran one "
                "after another instead of at the same time");
}

TEST_CASE("the first exception thrown reaches the caller, once every task has ended") {
  int running = 0;
  auto got = lunch::run(after_a_failure(running),
                        {.deadline = 5s, .what = "in_completion_order with failures"});
  CHECK_MESSAGE(got == "std::out_of_range: task 2 failed first, 0 task(s) still running",
                "got: " << got << " (expected the std::out_of_range of task "
                "2, which threw first, rethrown once the slow task 0 had "
                "ended too)");
}

TEST_CASE("an empty vector gives an empty result at once") {
  auto got = lunch::run(
      in_completion_order(std::vector<net::awaitable<std::string>>{}),
      {.deadline = 5s, .what = "in_completion_order of nothing"});
  CHECK(got.empty());
}

}  // TEST_SUITE
