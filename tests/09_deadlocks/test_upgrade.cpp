// Tests for exercises/09_deadlocks/upgrade.hpp
//
// The shipped raise() deadlocks on its own: one call is enough, and the
// deadline report names the write() still waiting for its reader. Lost
// updates need raises that overlap: ten at once, each suspended in the
// pricing service while the others read. The scenarios are in
// test_upgrade_harness.cpp, compiled once with the course; they reach the
// price list and raise() through `shop`.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "test_upgrade_harness.hpp"
#include "upgrade.hpp"

using namespace std::chrono_literals;
using namespace upgrade_harness;

namespace {

// The learner's price_list: each call forwards to the learner's code.
class learners_shop final : public shop {
 public:
  explicit learners_shop(net::any_io_executor ex) : list_(std::move(ex)) {}
  std::map<std::string, int>& prices() override { return list_.prices; }
  int changes() const override { return list_.changes; }
  // Not a coroutine: it hands on the learner's raise(), unstarted.
  net::awaitable<int> raise(std::string item, int delta) override {
    return ::raise(list_, std::move(item), delta);
  }

 private:
  price_list list_;
};

std::unique_ptr<shop> learners_shop_of(net::any_io_executor ex) {
  return std::make_unique<learners_shop>(std::move(ex));
}

std::string deadlock_message(const lunch::deadline_exceeded& e) {
  return "DEADLOCK: raise() never finished. It still holds its read lock "
         "while it waits for the write lock, and the write lock waits for "
         "every reader to leave, itself included.\n" + std::string(e.what());
}

}  // namespace

TEST_SUITE("upgrade") {

TEST_CASE("a single raise() finishes and stores the price it returns") {
  single_raise_result r;
  try {
    // One raise takes microseconds: half a second is plenty, and the
    // shipped deadlock is reported that much sooner.
    lunch::run(a_single_raise(learners_shop_of, r),
               {.deadline = 500ms, .what = "one raise(coffee, 20)"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
    return;
  }
  CHECK_MESSAGE(r.coffee == 320, "coffee cost 300 and was raised by 20; it costs " << r.coffee);
  CHECK_MESSAGE(r.returned.at(0) == 320, "raise() returned " << r.returned.at(0)
                << ", not the new price 320");
  CHECK_MESSAGE(r.tea == 250, "tea changed too: " << r.tea);
  CHECK_MESSAGE(r.changes == 1, "changes is " << r.changes << " after one raise");
}

TEST_CASE("ten raises at once lose no update") {
  ten_raises_result r;
  try {
    lunch::run(ten_raises_at_once(learners_shop_of, r),
               {.deadline = 2s, .what = "ten raise(bagel, 1) at once"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
    return;
  }
  CHECK_MESSAGE(r.bagel == 110,
                "ten raises of 1 took the price from 100 to " << r.bagel
                << ", not 110: a raise computed from a price read before another "
                   "raise stored its own, and overwrote it");
  CHECK_MESSAGE(r.changes == 10, "changes counts " << r.changes << ", not 10");
  std::sort(r.returned.begin(), r.returned.end());
  std::vector<int> expected;
  for (int p = 101; p <= 110; ++p) expected.push_back(p);
  CHECK_MESSAGE(r.returned == expected,
                "each raise returns the price it stored: 101 ... 110 once each");
}

}  // TEST_SUITE
