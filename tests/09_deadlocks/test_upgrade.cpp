// Tests for exercises/09_deadlocks/upgrade.hpp
//
// The shipped raise() deadlocks on its own: one call is enough, and the
// deadline report names the write() still waiting for its reader. Lost
// updates need raises that overlap: ten at once, each suspended in the
// pricing service while the others read.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "upgrade.hpp"

using namespace std::chrono_literals;

namespace {

std::string deadlock_message(const lunch::deadline_exceeded& e) {
  return "DEADLOCK: raise() never finished. It still holds its read lock "
         "while it waits for the write lock, and the write lock waits for "
         "every reader to leave, itself included.\n" + std::string(e.what());
}

net::awaitable<void> one_raise(price_list& list, std::string item, int delta,
                               std::vector<int>& returned) {
  lunch::pending p("raise(" + item + ", " + std::to_string(delta) + ")");
  returned.push_back(co_await raise(list, item, delta));
}

}  // namespace

TEST_SUITE("upgrade") {

TEST_CASE("a single raise() finishes and stores the price it returns") {
  auto work = []() -> net::awaitable<void> {
    price_list list(co_await net::this_coro::executor);
    list.prices = {{"coffee", 300}, {"tea", 250}};
    std::vector<int> returned;
    co_await one_raise(list, "coffee", 20, returned);
    CHECK_MESSAGE(list.prices["coffee"] == 320,
                  "coffee cost 300 and was raised by 20; it costs " << list.prices["coffee"]);
    CHECK_MESSAGE(returned.at(0) == 320, "raise() returned " << returned.at(0)
                  << ", not the new price 320");
    CHECK_MESSAGE(list.prices["tea"] == 250, "tea changed too: " << list.prices["tea"]);
    CHECK_MESSAGE(list.changes == 1, "changes is " << list.changes << " after one raise");
  };
  try {
    // One raise takes microseconds: half a second is plenty, and the
    // shipped deadlock is reported that much sooner.
    lunch::run(work(), {.deadline = 500ms, .what = "one raise(coffee, 20)"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
  }
}

TEST_CASE("ten raises at once lose no update") {
  auto work = []() -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    price_list list(ex);
    list.prices = {{"bagel", 100}};
    std::vector<int> returned;
    lunch::task_group group(ex);
    for (int i = 0; i < 10; ++i) group.spawn(one_raise(list, "bagel", 1, returned));
    co_await group.wait();
    CHECK_MESSAGE(list.prices["bagel"] == 110,
                  "ten raises of 1 took the price from 100 to " << list.prices["bagel"]
                  << ", not 110: a raise computed from a price read before another "
                     "raise stored its own, and overwrote it");
    CHECK_MESSAGE(list.changes == 10, "changes counts " << list.changes << ", not 10");
    std::sort(returned.begin(), returned.end());
    std::vector<int> expected;
    for (int p = 101; p <= 110; ++p) expected.push_back(p);
    CHECK_MESSAGE(returned == expected,
                  "each raise returns the price it stored: 101 ... 110 once each");
  };
  try {
    lunch::run(work(), {.deadline = 2s, .what = "ten raise(bagel, 1) at once"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
  }
}

}  // TEST_SUITE
