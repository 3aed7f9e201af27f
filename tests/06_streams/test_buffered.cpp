// Tests for exercises/06_streams/buffered.hpp
//
// The same jobs as buffer_unordered's tests: each counts itself while it
// runs, naps for its own duration and returns its number. Durations that fix
// an order differ by 50 ms or more.
// The jobs and the consumer are buffer_unordered's harness
// (test_buffer_unordered_harness.cpp), compiled once with the course.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "buffered.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "test_buffered_harness.hpp"

using namespace std::chrono_literals;
using namespace buffered_harness;

namespace {

coro<int> under_test(coro<net::awaitable<int>> tasks, std::size_t n) {
  return buffered(std::move(tasks), n);
}

}  // namespace

TEST_SUITE("buffered") {

TEST_CASE("results come in input order, even when later tasks finish first") {
  probe p;
  const auto got = lunch::run(run_jobs(under_test, p, {120ms, 20ms, 70ms, 20ms, 20ms}, 3),
                              {.deadline = 5s, .what = "5 tasks, 3 at a time"});
  INFO("when jobs ended (-i) and when the consumer got them (got i): " << p.log);
  CHECK_MESSAGE(got == "0 1 2 3 4",
                "results came as " << got << "; expected 0 1 2 3 4, the "
                "order the tasks came in, whatever order they finish in");
}

TEST_CASE("at most n tasks run at once, and n do when there are enough") {
  probe p;
  const auto got = lunch::run(run_jobs(under_test, p, std::vector<ms>(12, 20ms), 4),
                              {.deadline = 5s, .what = "12 tasks, 4 at a time"});
  CHECK_MESSAGE(got == "0 1 2 3 4 5 6 7 8 9 10 11", "12 tasks gave: " << got);
  CHECK_MESSAGE(p.peak == 4,
                "with n = 4 and 12 tasks, at most " << p.peak << " ran at "
                "once; expected exactly 4: never more than n, and all n "
                "places used (1 means the tasks ran one after another)");
}

TEST_CASE("a result comes out as soon as it and the results before it are ready") {
  probe p;
  // All three run at once; they end at 20, 120 and 250 ms.
  const auto got = lunch::run(run_jobs(under_test, p, {20ms, 120ms, 250ms}, 3),
                              {.deadline = 5s, .what = "3 tasks of different lengths"});
  INFO("when jobs ended (-i) and when the consumer got them (got i): " << p.log);
  CHECK(got == "0 1 2");
  CHECK_MESSAGE(p.log.find("got0 ") < p.log.find("-1 "),
                "the consumer got result 0 only after task 1 had ended: once "
                "task 0 is done it goes out, without waiting for the others");
  CHECK_MESSAGE(p.log.find("got1 ") < p.log.find("-2 "),
                "the consumer got result 1 only after task 2 had ended: result "
                "1 waits for result 0 and nothing else");
}

TEST_CASE("a task holds its place until its result has been handed out") {
  probe p;
  // n = 2: task 0 runs 250 ms, task 1 ends at 20 ms, and its result must
  // wait for result 0. Its place stays taken until then, so task 2 starts
  // only once result 0 has gone out, and ends 50 ms after that.
  const auto got = lunch::run(run_jobs(under_test, p, {250ms, 20ms, 50ms, 50ms}, 2),
                              {.deadline = 5s, .what = "a slow first task, n = 2"});
  INFO("when jobs ended (-i) and when the consumer got them (got i): " << p.log);
  CHECK(got == "0 1 2 3");
  CHECK_MESSAGE(p.log.find("got0 ") < p.log.find("-2 "),
                "task 2 ran while result 1 was still waiting for its turn: "
                "its place was given up when task 1 ended. Free a place when "
                "its result is handed out, as Rust's buffered does, or early "
                "results pile up behind a slow first task");
}

TEST_CASE("tasks that finish without waiting all come out in order, a thousand of them") {
  probe p;
  const auto got = lunch::run(run_jobs(under_test, p, std::vector<ms>(1000, 0ms), 8),
                              {.deadline = 5s, .what = "1000 tasks that never wait, 8 at a time"});
  std::string want;
  for (int i = 0; i < 1000; ++i) want += (i ? " " : "") + std::to_string(i);
  CHECK_MESSAGE(got == want, "1000 tasks that end at once did not come out as 0 .. 999 "
                "(a result sent while nobody waits for it must not be lost); "
                "the first characters: " << got.substr(0, 80));
  CHECK_MESSAGE(p.started == 1000, p.started << " tasks started for 1000 in the stream");
  CHECK_MESSAGE(p.peak <= 8, p.peak << " tasks ran at once with n = 8");
}

TEST_CASE("an exception comes after the results before it, once nothing is running") {
  probe p;
  // n = 3: task 1 fails at 20 ms, task 0 succeeds at 100 ms, task 2 runs
  // until 200 ms.
  std::vector<ms> durations{100ms, 20ms, 200ms};
  const auto seen = lunch::run(run_jobs(under_test, p, durations, 3, 1),
                               {.deadline = 5s, .what = "tasks with a failure"});
  CHECK_MESSAGE(seen == "0 std::out_of_range: task 1 failed",
                "got: " << seen << " (expected result 0, then task 1's "
                "std::out_of_range: in input order, an error takes its turn "
                "like a value)");
  CHECK_MESSAGE(p.running_at_throw == 0,
                "when the consumer got the exception, " << p.running_at_throw
                << " task(s) were still running (task 2 runs until 200 ms): "
                "let the running tasks end before throwing");
}

TEST_CASE("waiting for results uses no CPU") {
  probe p;
  // Waiting on a timer or a channel costs well under a millisecond of CPU;
  // a loop that polls for results costs whatever CPU the machine gives it.
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(run_jobs(under_test, p, {250ms, 250ms}, 2), {.deadline = 5s, .what = "2 tasks of 250 ms"});
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while two "
                "tasks waited " << sw.ms() << " ms: something is polling "
                "instead of waiting for the tasks to end");
}

}  // TEST_SUITE
