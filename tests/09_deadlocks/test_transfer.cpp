// Tests for exercises/09_deadlocks/transfer.hpp
//
// The deadlock needs two transfers in opposite directions, each holding its
// first lock while it suspends: journal_write() suspends, so on one thread
// the shipped code deadlocks every time, and lunch::run's deadline turns
// that into a failure naming the transfers still waiting. The scenarios are
// in test_transfer_harness.cpp, compiled once with the course; they reach
// the accounts, transfer() and audit_total() through `bank`.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/watchdog.hpp"
#include "test_transfer_harness.hpp"
#include "transfer.hpp"

using namespace std::chrono_literals;
using namespace transfer_harness;

namespace {

// A bank of `n` accounts with ids 1..n, `balance` each, made of the
// learner's accounts: each call forwards to the learner's code.
class learners_bank final : public bank {
 public:
  learners_bank(net::any_io_executor ex, int n, int balance) {
    static const char* names[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    for (int i = 0; i < n; ++i) {
      owned_.push_back(std::make_unique<account>(ex, i + 1, names[i % 6], balance));
      all_.push_back(owned_.back().get());
    }
  }
  int size() const override { return int(all_.size()); }
  const std::string& name(int i) const override { return all_[i]->name; }
  int balance(int i) const override { return all_[i]->balance; }
  // Not coroutines: they hand on the learner's own coroutine, unstarted.
  net::awaitable<bool> transfer(int from, int to, int amount) override {
    return ::transfer(*all_[from], *all_[to], amount);
  }
  net::awaitable<int> audit_total() override { return ::audit_total(all_); }
  net::awaitable<held> lock(int i) override {
    co_return std::make_shared<account_lock::guard>(co_await all_[i]->lock.lock());
  }

 private:
  std::vector<std::unique_ptr<account>> owned_;
  std::vector<account*> all_;
};

std::unique_ptr<bank> learners_bank_of(net::any_io_executor ex, int n, int balance) {
  return std::make_unique<learners_bank>(std::move(ex), n, balance);
}

std::string deadlock_message(const lunch::deadline_exceeded& e) {
  return "DEADLOCK: the transfers never finished. Each one holds the lock of "
         "the account it debits and waits for the lock the other one holds: "
         "take both locks in the bank's order (increasing id), whichever way "
         "the money goes.\n" + std::string(e.what());
}

}  // namespace

TEST_SUITE("transfer") {

TEST_CASE("transfers in opposite directions at the same time all finish") {
  std::atomic<int> moved{0};
  both_directions_result r;
  try {
    // 40 transfers take milliseconds, even under ThreadSanitizer: half a
    // second is plenty, and the shipped deadlock is reported that much sooner.
    lunch::run(both_directions(learners_bank_of, moved, r),
               {.deadline = 500ms, .what = "alice -> bob and bob -> alice at once"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
    return;
  }
  CHECK_MESSAGE(r.alice == 1000 - 200 + 140,
                "alice should have 940 after 20 x 10 out and 20 x 7 in, has " << r.alice);
  CHECK_MESSAGE(r.bob == 1000 + 200 - 140, "bob should have 1060, has " << r.bob);
  CHECK_MESSAGE(moved == 40, "40 transfers were covered by the balance, "
                << moved << " reported true");
}

TEST_CASE("a transfer the balance cannot cover moves nothing, also when two check at once") {
  // carol (the highest id) pays two transfers of 60 from her 100 at once;
  // then alice tries to pay 1000.
  cover_result r;
  try {
    lunch::run(two_check_one_balance(learners_bank_of, r),
               {.deadline = 2s, .what = "two transfers of 60 from 100"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
    return;
  }
  CHECK_MESSAGE(r.moved == 1,
                "carol has 100 and two transfers of 60 ran at once: exactly "
                "one may succeed, " << r.moved << " returned true");
  CHECK_MESSAGE(r.carol == 40,
                "carol should end with 40, has " << r.carol
                << ": the balance check and the debit must happen under the lock");
  CHECK_MESSAGE(r.sum == 300, "money appeared or vanished: the total is "
                << r.sum << ", not 300");
  CHECK_MESSAGE(!r.big_transfer, "alice cannot cover 1000, yet transfer() returned true");
  CHECK_MESSAGE(r.sum_after == 300, "after a refused transfer the total is "
                << r.sum_after << ", not 300");
}

TEST_CASE("an audit that locks every account in id order always sees the same total") {
  // Four accounts, transfers in every direction, and an auditor that keeps
  // summing under all four locks. Money must never be "in flight".
  audit_result r;
  try {
    lunch::run(audit_while_transferring(learners_bank_of, r),
               {.deadline = 2s, .what = "12 kinds of transfer and an auditor"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
    return;
  }
  std::string seen;
  for (int t : r.wrong_totals) seen += std::to_string(t) + " ";
  CHECK_MESSAGE(r.wrong_totals.empty(),
                "the audit saw totals other than 2000 (" << seen << ") while "
                "transfers ran: money left one account before it reached the "
                "other. Hold both locks for the whole move");
  CHECK_MESSAGE(r.sum == 2000, "the total is " << r.sum << " at the end, not 2000");
  CHECK_MESSAGE(r.audits > 0, "the auditor never finished an audit");
}

TEST_CASE("a transfer between other accounts does not wait for a busy account") {
  // Someone holds bob's lock; alice -> bob waits for it, carol -> dave must not.
  busy_result r;
  try {
    lunch::run(beside_a_busy_account(learners_bank_of, r),
               {.deadline = 2s, .what = "carol -> dave while bob is busy"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
    return;
  }
  CHECK_MESSAGE(r.carol_to_dave_done,
                "while bob's lock was held, carol -> dave did not finish: "
                "transfers between other accounts must not wait for bob "
                "(one lock for the whole bank serialises everything)");
  CHECK_MESSAGE(r.moved_while_held == 0, "alice -> bob went through while someone else held "
                "bob's lock: a transfer must hold the locks of both its accounts");
  CHECK_MESSAGE(r.moved_at_end == 1, "alice -> bob should go through once bob's lock is free");
}

TEST_CASE("4 threads x 2,500 transfers in every direction: no deadlock, money conserved") {
  std::atomic<int> moved{0};
  int total = 50'000;
  try {
    lunch::run(random_transfers_everywhere(learners_bank_of, moved, total),
               {.deadline = 5s, .threads = 4, .what = "4 threads x 2,500 transfers"});
    CHECK_MESSAGE(total == 50'000, "4 threads moved money about and the total became "
                  << total << ", not 50000");
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
  }
  CHECK_MESSAGE(moved > 0, "no transfer went through");
}

}  // TEST_SUITE
