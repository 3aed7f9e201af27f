// Tests for exercises/01_futures/block_on.hpp
//
// Each call runs inside lunch::within(): if block_on never returns, the test
// program reports it after a few seconds instead of hanging.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "block_on.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace {

net::awaitable<int> answer() { co_return 42; }

net::awaitable<std::string> greet_later(std::string name) {
  net::steady_timer timer(co_await net::this_coro::executor, 50ms);
  co_await timer.async_wait(net::use_awaitable);
  co_return "hello, " + name;
}

net::awaitable<void> set_after_wait(bool& flag) {
  net::steady_timer timer(co_await net::this_coro::executor, 20ms);
  co_await timer.async_wait(net::use_awaitable);
  flag = true;
}

net::awaitable<int> fail_after_wait() {
  net::steady_timer timer(co_await net::this_coro::executor, 20ms);
  co_await timer.async_wait(net::use_awaitable);
  throw std::out_of_range("index 7 is past the end");
}

}  // namespace

TEST_SUITE("block_on") {

TEST_CASE("the coroutine's value comes back") {
  lunch::within(5s, "block_on(answer())",
                [] { CHECK(block_on(answer()) == 42); });
}

TEST_CASE("timers inside the coroutine work, and block_on waits for them") {
  lunch::within(5s, "block_on(greet_later(\"Ada\"))", [] {
    lunch::stopwatch sw;
    CHECK(block_on(greet_later("Ada")) == "hello, Ada");
    CHECK_MESSAGE(sw.elapsed() >= 50ms,
                  "block_on returned before the coroutine's 50 ms timer fired");
  });
}

TEST_CASE("awaitable<void> runs to the end") {
  lunch::within(5s, "block_on(set_after_wait(flag))", [] {
    bool flag = false;
    block_on(set_after_wait(flag));
    CHECK_MESSAGE(flag, "block_on returned before the coroutine finished");
  });
}

TEST_CASE("an exception inside the coroutine is rethrown with its type and message") {
  lunch::within(5s, "block_on(fail_after_wait())", [] {
    CHECK_THROWS_WITH_AS(block_on(fail_after_wait()),
                         "index 7 is past the end", std::out_of_range);
  });
}

TEST_CASE("block_on can be called again: each call has its own event loop") {
  lunch::within(5s, "three calls of block_on", [] {
    CHECK(block_on(answer()) == 42);
    CHECK(block_on(greet_later("Grace")) == "hello, Grace");
    CHECK(block_on(answer()) == 42);
  });
}

}  // TEST_SUITE
