// Tests for exercises/01_futures/sleep_for.hpp
#include <doctest/doctest.h>

#include <boost/system/system_error.hpp>

#include <exception>
#include <string>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "sleep_for.hpp"

using namespace std::chrono_literals;

namespace {

// Notes when it ran. On one thread it can only run while sleep_for waits if
// sleep_for gave the thread back.
net::awaitable<void> note_start(const lunch::stopwatch& sw, double& started_ms) {
  started_ms = sw.ms();
  co_return;
}

net::awaitable<void> sleep_beside_another(const lunch::stopwatch& sw,
                                          double& other_started_ms) {
  lunch::task_group group(co_await net::this_coro::executor);
  group.spawn(sleep_for(100ms));  // starts first
  group.spawn(note_start(sw, other_started_ms));
  co_await group.wait();
}

// How a cancelled sleep ended, and when.
struct ending {
  std::exception_ptr error;
  bool ended = false;
  double ms = -1;
};

}  // namespace

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
  lunch::stopwatch sw;
  double other_started_ms = -1;
  lunch::run(sleep_beside_another(sw, other_started_ms),
             {.deadline = 5s, .what = "sleep_for(100ms) beside another coroutine"});
  REQUIRE(other_started_ms >= 0);
  CHECK_MESSAGE(other_started_ms < 50,
                "the other coroutine started only after " << other_started_ms
                << " ms: sleep_for blocked the thread for the whole sleep");
  CHECK(sw.elapsed() >= 100ms);
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
  net::io_context ctx;
  net::cancellation_signal cancel;
  ending end;
  lunch::stopwatch sw;
  net::co_spawn(ctx, sleep_for(1s),
                net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
                  end = {e, true, sw.ms()};
                }));
  net::steady_timer soon(ctx, 20ms);
  soon.async_wait([&](boost::system::error_code) {
    cancel.emit(net::cancellation_type::terminal);
  });
  lunch::run_until_done(ctx, {.deadline = 5s,
                              .what = "sleep_for(1s), cancelled after 20 ms"});
  REQUIRE(end.ended);
  const std::string how = lunch::describe(end.error);
  bool aborted = false;
  try {
    if (end.error) std::rethrow_exception(end.error);
  } catch (const boost::system::system_error& e) {
    aborted = e.code() == net::error::operation_aborted;
  } catch (...) {
  }
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
