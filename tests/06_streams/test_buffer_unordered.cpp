// Tests for exercises/06_streams/buffer_unordered.hpp
//
// Each task is a job that counts itself while it runs (so the tests see how
// many ran at once), naps for its own duration and returns its number. The
// durations that fix an order differ by 100 ms or more, so a busy machine
// does not change the order they finish in.
// The jobs and the consumer are in test_buffer_unordered_harness.cpp, compiled once
// with the course.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "buffer_unordered.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "test_buffer_unordered_harness.hpp"

using namespace std::chrono_literals;
using namespace buffer_unordered_harness;

namespace {

coro<int> under_test(coro<net::awaitable<int>> tasks, std::size_t n) {
  return buffer_unordered(std::move(tasks), n);
}

}  // namespace

TEST_SUITE("buffer_unordered") {

TEST_CASE("at most n tasks run at once, and n do when there are enough") {
  probe p;
  const auto got = lunch::run(run_jobs(under_test, p, std::vector<ms>(12, 20ms), 4),
                              {.deadline = 5s, .what = "12 tasks, 4 at a time"}).got;
  CHECK_MESSAGE(got.size() == 12, "12 tasks gave " << got.size() << " results: " << joined(got));
  CHECK_MESSAGE(p.peak == 4,
                "with n = 4 and 12 tasks, at most " << p.peak << " ran at "
                "once; expected exactly 4: never more than n, and all n "
                "places used (1 means the tasks ran one after another)");
}

TEST_CASE("results come in the order the tasks finish, each as soon as it is ready") {
  probe p;
  // With n = 2, task 0 holds one place for 250 ms while tasks 1 .. 4 pass
  // through the other one, one after another.
  const auto got = lunch::run(run_jobs(under_test, p, {250ms, 20ms, 20ms, 20ms, 20ms}, 2),
                              {.deadline = 5s, .what = "5 tasks, 2 at a time"}).got;
  INFO("when jobs ended (-i) and when the consumer got them (got i): " << p.log);
  CHECK_MESSAGE(joined(got) == "1 2 3 4 0",
                "results came as " << joined(got) << "; expected 1 2 3 4 0, "
                "the order they finish in: the slow task 0 keeps one place "
                "while the others take turns in the second");
  const auto got_1 = p.log.find("got1 ");
  const auto end_0 = p.log.find("-0 ");
  CHECK_MESSAGE(got_1 < end_0,
                "the consumer got result 1 only after the slow task 0 had "
                "ended: a result must be handed out when it is ready, not "
                "once the others are done");
  CHECK_MESSAGE(p.peak == 2, "with n = 2, " << p.peak << " tasks ran at once");
}

TEST_CASE("every task runs exactly once and every result comes out") {
  probe p;
  std::vector<ms> durations;
  for (int i = 0; i < 20; ++i) durations.push_back(ms(1 + (i * 7) % 5));
  auto got = lunch::run(run_jobs(under_test, p, durations, 4), {.deadline = 5s, .what = "20 tasks, 4 at a time"}).got;
  std::sort(got.begin(), got.end());
  std::vector<int> all(20);
  std::iota(all.begin(), all.end(), 0);
  CHECK_MESSAGE(got == all, "the results, sorted: " << joined(got) << " (expected each of "
                "0 .. 19 once; missing ones were often still running when the "
                "source of tasks ended)");
  CHECK_MESSAGE(p.started == 20, p.started << " tasks were started for 20 in the stream");
}

TEST_CASE("tasks that finish without waiting all come out, a thousand of them") {
  probe p;
  const std::vector<ms> durations(1000, 0ms);
  const auto got = lunch::run(run_jobs(under_test, p, durations, 8),
                              {.deadline = 5s, .what = "1000 tasks that never wait, 8 at a time"}).got;
  const long sum = std::accumulate(got.begin(), got.end(), 0L);
  CHECK_MESSAGE(got.size() == 1000,
                got.size() << " results for 1000 tasks that end at once (a "
                "result sent while nobody waits for it must not be lost)");
  CHECK_MESSAGE(sum == 999L * 1000 / 2, "the results add up to " << sum << ", not 0+1+...+999");
  CHECK_MESSAGE(p.peak <= 8, p.peak << " tasks ran at once with n = 8");
}

TEST_CASE("an exception in a task reaches the consumer once nothing is running") {
  probe p;
  // n = 3: task 1 fails at 20 ms while tasks 0 and 2 run until 100 ms;
  // tasks 3 .. 5 are still waiting in the stream.
  const std::vector<ms> durations{100ms, 20ms, 100ms, 10ms, 10ms, 10ms};
  const auto seen = lunch::run(run_jobs(under_test, p, durations, 3, 1),
                               {.deadline = 5s, .what = "tasks with a failure"});
  CHECK_MESSAGE(seen.thrown == "std::out_of_range: task 1 failed",
                "the consumer caught: " << seen.thrown << " (expected task "
                "1's std::out_of_range)");
  CHECK_MESSAGE(seen.running_at_throw == 0,
                "when the consumer got the exception, " << seen.running_at_throw
                << " task(s) were still running (tasks 0 and 2 run until 100 "
                "ms): let the running tasks end before throwing");
  CHECK_MESSAGE(p.started == 3,
                p.started << " tasks were started; after task 1 failed, the "
                "tasks still in the stream (3, 4, 5) must not be");
}

TEST_CASE("waiting for results uses no CPU") {
  probe p;
  // Waiting on a timer or a channel costs well under a millisecond of CPU;
  // a loop that polls for results costs whatever CPU the machine gives it.
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(run_jobs(under_test, p, {300ms, 300ms}, 2), {.deadline = 5s, .what = "2 tasks of 300 ms"});
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while two "
                "tasks waited " << sw.ms() << " ms: something is polling "
                "instead of waiting for the tasks to end");
}

}  // TEST_SUITE
