// Tests for exercises/01_futures/async_delay_value.hpp
//
// The callback tests share one handler type, `record`, so that each test
// costs as little compile time as possible: every distinct completion token
// is one more instantiation of async_delay_value. The coroutines that await
// it, `record` and the background loop are in
// test_async_delay_value_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <future>
#include <string>
#include <thread>

#include "async_delay_value.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "test_async_delay_value_harness.hpp"

using namespace std::chrono_literals;
using boost::system::error_code;
using namespace async_delay_value_harness;

namespace {

// The code under test as the harness awaits it.
net::awaitable<std::string> with_use_awaitable(net::any_io_executor ex,
                                               std::chrono::milliseconds d, std::string s) {
  return async_delay_value(ex, d, std::move(s), net::use_awaitable);
}

}  // namespace

TEST_SUITE("async_delay_value") {

TEST_CASE("with use_awaitable: the value comes back after the delay") {
  lunch::stopwatch sw;
  auto s = one_delay(with_use_awaitable, 50ms, "moved along");
  CHECK(s == "moved along");
  CHECK_MESSAGE(sw.elapsed() >= 50ms,
                "the value came back after " << sw.ms() << " ms, before the "
                "50 ms delay");
}

TEST_CASE("with a callback: called once, later, from the event loop") {
  net::io_context ctx;
  calls c;
  async_delay_value(ctx.get_executor(), 0ms, 7, record{&c});
  CHECK_MESSAGE(c.count == 0,
                "the callback ran inside async_delay_value; it must only run "
                "from the event loop (ctx.run())");
  lunch::run_until_done(ctx, {.deadline = 5s, .what = "the callback"});
  CHECK(c.count == 1);
  CHECK(c.value == 7);
  CHECK_MESSAGE(!c.ec, "error_code: " << c.ec.message());
}

// The timer runs on `timers`; the callback is bound to `home`. Both loops
// run on this thread, one after the other, so the callback can only run
// inside home.run() if the operation honoured its associated executor.
TEST_CASE("with a callback: it runs on the executor bound to it") {
  net::io_context timers;
  net::io_context home;
  calls c;
  c.home = &home;
  async_delay_value(timers.get_executor(), 0ms, 7,
                    net::bind_executor(home, record{&c}));
  lunch::run_until_done(timers, {.deadline = 5s, .what = "the timer"});
  lunch::run_until_done(home, {.deadline = 5s, .what = "the bound callback"});
  REQUIRE(c.count == 1);
  CHECK_MESSAGE(c.ran_at_home,
                "the callback did not run on the executor bound to it with "
                "net::bind_executor (but on the timer's, or inside the call "
                "itself). A lambda of your own "
                "around the handler hides its associated executor; "
                "net::append and net::consign pass it on");
}

TEST_CASE("with use_future: the future gets the value while ctx runs elsewhere") {
  background_loop loop;
  std::future<int> f =
      async_delay_value(loop.ctx.get_executor(), 20ms, 99, net::use_future);
  const auto status = f.wait_for(5s);
  REQUIRE_MESSAGE(status == std::future_status::ready,
                  "the future was not ready after 5 s");
  CHECK(f.get() == 99);
}

TEST_CASE("with deferred: nothing starts until the launch, and the delay counts from there") {
  net::io_context ctx;
  auto op = async_delay_value(ctx.get_executor(), 50ms, 5, net::deferred);
  // A deferred operation is like a Rust future: inert until driven. Running
  // the loop now finds no work at all.
  ctx.run();
  ctx.restart();
  // 50 ms go by before the launch: a timer started at the call would be
  // due by now.
  std::this_thread::sleep_for(50ms);
  calls c;  // its clock starts at the launch
  std::move(op)(record{&c});
  lunch::run_until_done(ctx, {.deadline = 5s, .what = "the deferred operation"});
  REQUIRE(c.count == 1);
  CHECK(c.value == 5);
  CHECK_MESSAGE(c.at_ms >= 50,
                "launched with a 50 ms delay, the operation completed after "
                << c.at_ms << " ms: its timer started when async_delay_value "
                "was called, not when the operation was launched (start the "
                "timer inside the initiation)");
}

TEST_CASE("four delays awaited together overlap: 4 x 100 ms take ~100 ms") {
  std::string got[4];
  lunch::stopwatch sw;
  four_at_once(with_use_awaitable, got);
  CHECK(got[0] == "value 0");
  CHECK(got[3] == "value 3");
  CHECK_MESSAGE(sw.elapsed() < 200ms,
                "four 100 ms delays started together took " << sw.ms()
                << " ms: they ran one after the other (is the thread blocked?)");
}

// The cancellation is emitted directly, through the slot bound to the
// callback: that is what `||` does to its losing side, but here the test
// sees how the operation ended, which `||` would hide.
TEST_CASE("a cancellation through the handler's slot ends it at once, with operation_aborted") {
  net::io_context ctx;
  net::cancellation_signal cancel;
  calls c;
  async_delay_value(ctx.get_executor(), 1s, 7,
                    net::bind_cancellation_slot(cancel.slot(), record{&c}));
  net::post(ctx, [&] { cancel.emit(net::cancellation_type::terminal); });
  lunch::run_until_done(ctx, {.deadline = 5s,
                              .what = "async_delay_value(1s), cancelled at once"});
  REQUIRE(c.count == 1);
  CHECK_MESSAGE(c.ec == net::error::operation_aborted,
                "cancelled at once, the 1 s delay ended after " << c.at_ms
                << " ms with error_code '" << c.ec.message() << "': the "
                "cancellation did not reach the timer (keep the handler's "
                "cancellation slot: net::append / net::consign do)");
}

}  // TEST_SUITE
