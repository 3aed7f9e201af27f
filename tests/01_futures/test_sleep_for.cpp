// Tests for exercises/01_futures/sleep_for.hpp
//
// The coroutine that runs beside a sleep and the loop that cancels one are
// in test_sleep_for_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <string>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "sleep_for.hpp"
#include "test_sleep_for_harness.hpp"

using namespace std::chrono_literals;
using namespace sleep_for_harness;

TEST_SUITE("sleep_for") {

TEST_CASE("sleep_for(50ms) takes at least 50 ms") {
  lunch::stopwatch sw;
  lunch::run(sleep_for(50ms), {.deadline = 5s, .what = "sleep_for(50ms)"});
  CHECK_MESSAGE(sw.elapsed() >= 50ms,
                "sleep_for returned after " << sw.ms() << " ms, before the "
                "50 ms were up");
}

TEST_CASE("sleep_for(0) and a negative duration finish at once") {
  lunch::stopwatch sw;
  lunch::run(sleep_for(0ms), {.deadline = 5s, .what = "sleep_for(0ms)"});
  lunch::run(sleep_for(-5ms), {.deadline = 5s, .what = "sleep_for(-5ms)"});
  CHECK_MESSAGE(sw.elapsed() < 1s, "a zero sleep took " << sw.ms() << " ms");
}

// Two coroutines on one thread: while one sleeps, the other must run. A
// blocking sleep (std::this_thread::sleep_for) holds the thread, so the
// second coroutine only starts once the first has woken up.
TEST_CASE("other coroutines on the same thread run while it sleeps") {
  const beside r = sleep_beside_another(sleep_for);
  const double other_started_ms = r.other_started_ms;
  REQUIRE(other_started_ms >= 0);
  CHECK_MESSAGE(other_started_ms < 50,
                "the other coroutine started only after " << other_started_ms
                << " ms: sleep_for blocked the thread for the whole sleep");
  CHECK(r.took_ms >= 100);
}

TEST_CASE("sleep_for burns no CPU while it waits") {
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(sleep_for(150ms), {.deadline = 5s, .what = "sleep_for(150ms)"});
  REQUIRE_MESSAGE(sw.elapsed() >= 150ms,
                  "sleep_for(150ms) returned after " << sw.ms() << " ms");
  // A timer wait costs well under a millisecond of CPU. Busy-waiting (a loop
  // of co_await post(...) until the time is up) costs nearly all of it.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU during a "
                << sw.ms() << " ms sleep: it is busy-waiting");
}

// The cancellation is emitted directly, through the slot of the handler
// that awaits the sleep: that is what `||` does to its losing side, but here
// the test sees how the sleep ended, which `||` would hide.
TEST_CASE("a cancelled sleep_for ends at once, with operation_aborted") {
  const ending end = a_cancelled_sleep(sleep_for);
  REQUIRE(end.ended);
  const std::string how = lunch::describe(end.error);
  const bool aborted = end.aborted;
  CHECK_MESSAGE(aborted,
                "cancelled after 20 ms, sleep_for(1s) ended after " << end.ms
                << " ms with " << how << "; it should end at once with the "
                "timer's operation_aborted (as an exception), so that the "
                "caller can tell a cancelled sleep from a finished one. Does "
                "the cancellation reach the timer, and does its error reach "
                "the caller?");
  CHECK_MESSAGE(end.ms < 500,
                "the cancelled sleep ended only after " << end.ms << " ms");
}

}  // TEST_SUITE
