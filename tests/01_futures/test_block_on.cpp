// Tests for exercises/01_futures/block_on.hpp
//
// Each call runs inside lunch::within(): if block_on never returns, the test
// program reports it after a few seconds instead of hanging.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "block_on.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace {

// Both value-returning coroutines give a std::string and the void ones
// nothing: two instantiations of block_on, one per path it has to handle.
net::awaitable<std::string> answer() { co_return "forty-two"; }

net::awaitable<std::string> greet_later(std::string name) {
  co_await lunch::nap(20ms);
  co_return "hello, " + name;
}

// Notes which thread ran it, after an asynchronous wait.
net::awaitable<void> note_thread_after_wait(std::thread::id& ran_on) {
  co_await lunch::nap(20ms);
  ran_on = std::this_thread::get_id();
}

// What block_on(work) threw, in words, or "nothing" if it returned.
template <class T>
std::string thrown_by_block_on(net::awaitable<T> work) {
  try {
    block_on(std::move(work));
  } catch (...) {
    return lunch::describe(std::current_exception());
  }
  return "nothing";
}

void check_rethrown(const std::string& got, const std::string& want) {
  if (got == "nothing")
    FAIL_CHECK("block_on returned normally although the coroutine threw "
               << want << ": the exception was lost on the way (net::detached "
               "throws it away; the handler's exception_ptr carries it)");
  else
    CHECK_MESSAGE(got == want, "block_on threw " << got << ", not the "
                  "coroutine's own " << want);
}

}  // namespace

TEST_SUITE("block_on") {

TEST_CASE("the coroutine's value comes back") {
  lunch::within(5s, "block_on(answer())",
                [] { CHECK(block_on(answer()) == "forty-two"); });
}

TEST_CASE("timers inside the coroutine work, and block_on waits for them") {
  lunch::within(5s, "block_on(greet_later(\"Ada\"))", [] {
    lunch::stopwatch sw;
    REQUIRE(block_on(greet_later("Ada")) == "hello, Ada");
    CHECK_MESSAGE(sw.elapsed() >= 20ms,
                  "block_on returned before the coroutine's 20 ms timer fired");
  });
}

TEST_CASE("awaitable<void> runs to the end, on the thread that called block_on") {
  lunch::within(5s, "block_on(note_thread_after_wait(...))", [] {
    std::thread::id ran_on;
    block_on(note_thread_after_wait(ran_on));
    REQUIRE_MESSAGE(ran_on != std::thread::id(),
                    "block_on returned before the coroutine finished");
    CHECK_MESSAGE(ran_on == std::this_thread::get_id(),
                  "the coroutine ran on another thread: block_on's caller "
                  "should drive the event loop itself (ctx.run() on this "
                  "thread), like #[tokio::main]");
  });
}

TEST_CASE("an exception inside an awaitable<T> is rethrown with its type and message") {
  lunch::within(5s, "block_on(an awaitable<std::string> that throws)", [] {
    check_rethrown(thrown_by_block_on(lunch::fail_after<std::string>(
                       20ms, "index 7 is past the end")),
                   "std::out_of_range: index 7 is past the end");
  });
}

// net::detached would pass every test above for awaitable<void>: there is
// no value to lose. It loses this exception.
TEST_CASE("an exception inside an awaitable<void> is rethrown with its type and message") {
  lunch::within(5s, "block_on(an awaitable<void> that throws)", [] {
    check_rethrown(thrown_by_block_on(lunch::fail_after<void>(20ms, "the disk is full")),
                   "std::out_of_range: the disk is full");
  });
}

TEST_CASE("block_on can be called again: each call has its own event loop") {
  lunch::within(5s, "three calls of block_on", [] {
    CHECK(block_on(answer()) == "forty-two");
    CHECK(block_on(greet_later("Grace")) == "hello, Grace");
    CHECK(block_on(answer()) == "forty-two");
  });
}

}  // TEST_SUITE
