// Tests for exercises/01_futures/sleep_for.hpp
#include <doctest/doctest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "sleep_for.hpp"

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

TEST_SUITE("sleep_for") {

TEST_CASE("sleep_for(100ms) takes at least 100 ms") {
  lunch::stopwatch sw;
  lunch::run(sleep_for(100ms), {.deadline = 5s, .what = "sleep_for(100ms)"});
  CHECK_MESSAGE(sw.elapsed() >= 100ms,
                "sleep_for returned after " << sw.ms() << " ms, before the "
                "100 ms were up");
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
  lunch::stopwatch sw;
  double other_started_ms = -1;
  auto other = [&]() -> net::awaitable<void> {
    other_started_ms = sw.ms();
    co_return;
  };
  auto both = [&]() -> net::awaitable<void> {
    co_await (sleep_for(300ms) && other());
  };
  lunch::run(both(), {.deadline = 5s, .what = "sleep_for(300ms) && other()"});
  REQUIRE(other_started_ms >= 0);
  CHECK_MESSAGE(other_started_ms < 150,
                "the other coroutine started only after " << other_started_ms
                << " ms: sleep_for blocked the thread for the whole sleep");
  CHECK(sw.elapsed() >= 300ms);
}

TEST_CASE("sleep_for burns no CPU while it waits") {
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(sleep_for(300ms), {.deadline = 5s, .what = "sleep_for(300ms)"});
  // A timer wait costs well under a millisecond of CPU. Busy-waiting (a loop
  // of co_await post(...) until the time is up) costs nearly all of it.
  CHECK_MESSAGE(cpu.ms() < 0.25 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU during a "
                << sw.ms() << " ms sleep: it is busy-waiting");
}

TEST_CASE("sleep_for can be cancelled: a long sleep loses a race to a short one") {
  lunch::stopwatch sw;
  auto race = []() -> net::awaitable<void> {
    co_await (sleep_for(10s) || sleep_for(20ms));
  };
  lunch::run(race(), {.deadline = 5s,
                      .what = "sleep_for(10s) || sleep_for(20ms)"});
  CHECK_MESSAGE(sw.elapsed() < 2s,
                "the race took " << sw.ms() << " ms: cancelling the 10 s "
                "sleep did not stop it");
}

}  // TEST_SUITE
