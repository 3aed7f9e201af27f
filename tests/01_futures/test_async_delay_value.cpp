// Tests for exercises/01_futures/async_delay_value.hpp
#include <doctest/doctest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <future>
#include <string>
#include <thread>

#include "async_delay_value.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using boost::system::error_code;

namespace {

net::awaitable<int> awaited(std::chrono::milliseconds delay, int value) {
  auto ex = co_await net::this_coro::executor;
  co_return co_await async_delay_value(ex, delay, value, net::use_awaitable);
}

net::awaitable<std::string> awaited_string() {
  auto ex = co_await net::this_coro::executor;
  co_return co_await async_delay_value(ex, 10ms, std::string("moved along"),
                                       net::use_awaitable);
}

net::awaitable<void> two_at_once(int& a, int& b) {
  auto ex = co_await net::this_coro::executor;
  std::tie(a, b) =
      co_await (async_delay_value(ex, 300ms, 1, net::use_awaitable) &&
                async_delay_value(ex, 300ms, 2, net::use_awaitable));
}

net::awaitable<void> race_against_short_timer() {
  auto ex = co_await net::this_coro::executor;
  net::steady_timer short_timer(ex, 20ms);
  co_await (async_delay_value(ex, 10s, 1, net::use_awaitable) ||
            short_timer.async_wait(net::use_awaitable));
}

// An io_context run by a background thread, stopped and joined on scope exit
// even when a check throws (a joinable std::thread would terminate).
struct background_loop {
  net::io_context ctx;
  net::executor_work_guard<net::io_context::executor_type> work =
      net::make_work_guard(ctx);
  std::thread thread{[this] { ctx.run(); }};
  ~background_loop() {
    work.reset();
    ctx.stop();
    thread.join();
  }
};

}  // namespace

TEST_SUITE("async_delay_value") {

TEST_CASE("with use_awaitable: the value comes back after the delay") {
  lunch::stopwatch sw;
  int v = lunch::run(awaited(100ms, 42), {.deadline = 5s,
                                          .what = "co_await async_delay_value"});
  CHECK(v == 42);
  CHECK_MESSAGE(sw.elapsed() >= 100ms,
                "the value came back after " << sw.ms() << " ms, before the "
                "100 ms delay");
}

TEST_CASE("with use_awaitable: a move-only-friendly value type (std::string)") {
  auto s = lunch::run(awaited_string(), {.deadline = 5s,
                                         .what = "async_delay_value(string)"});
  CHECK(s == "moved along");
}

TEST_CASE("with a callback: called once, later, from the event loop") {
  net::io_context ctx;
  int calls = 0;
  int got = 0;
  error_code got_ec = net::error::fault;
  async_delay_value(ctx.get_executor(), 0ms, 7, [&](error_code ec, int v) {
    ++calls;
    got_ec = ec;
    got = v;
  });
  CHECK_MESSAGE(calls == 0,
                "the callback ran inside async_delay_value; it must only run "
                "from the event loop (ctx.run())");
  lunch::run_until_done(ctx, {.deadline = 5s, .what = "the callback"});
  CHECK(calls == 1);
  CHECK(got == 7);
  CHECK_MESSAGE(!got_ec, "error_code: " << got_ec.message());
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

TEST_CASE("with deferred: nothing starts until the operation is launched") {
  net::io_context ctx;
  int got = 0;
  auto op = async_delay_value(ctx.get_executor(), 0ms, 5, net::deferred);
  // A deferred operation is like a Rust future: inert until driven. Running
  // the loop now finds no work at all.
  ctx.run();
  CHECK(got == 0);
  ctx.restart();
  std::move(op)([&](error_code, int v) { got = v; });
  lunch::run_until_done(ctx, {.deadline = 5s, .what = "the deferred operation"});
  CHECK(got == 5);
}

TEST_CASE("two delays awaited together overlap: 300 ms + 300 ms take ~300 ms") {
  int a = 0, b = 0;
  lunch::stopwatch sw;
  lunch::run(two_at_once(a, b), {.deadline = 5s, .what = "two delays with &&"});
  CHECK(a == 1);
  CHECK(b == 2);
  CHECK_MESSAGE(sw.elapsed() < 500ms,
                "two 300 ms delays awaited with && took " << sw.ms()
                << " ms: they ran one after the other (is the thread blocked?)");
}

TEST_CASE("it can be cancelled: a 10 s delay loses a race to a 20 ms timer") {
  lunch::stopwatch sw;
  lunch::run(race_against_short_timer(),
             {.deadline = 5s, .what = "async_delay_value(10s) || timer(20ms)"});
  CHECK_MESSAGE(sw.elapsed() < 2s,
                "the race took " << sw.ms() << " ms: the cancellation did not "
                "reach the timer (keep the handler's cancellation slot: "
                "net::append / net::consign do)");
}

}  // TEST_SUITE
