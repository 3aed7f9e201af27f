// Tests for exercises/09_deadlocks/transfer.hpp
//
// The deadlock needs two transfers in opposite directions, each holding its
// first lock while it suspends: journal_write() suspends, so on one thread
// the shipped code deadlocks every time, and lunch::run's deadline turns
// that into a failure naming the transfers still waiting.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "transfer.hpp"

using namespace std::chrono_literals;
using lunch::task_group;

namespace {

// A bank of `n` accounts with ids 1..n, `balance` each.
struct bank {
  std::vector<std::unique_ptr<account>> owned;
  std::vector<account*> all;
  bank(net::any_io_executor ex, int n, int balance) {
    static const char* names[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    for (int i = 0; i < n; ++i) {
      owned.push_back(std::make_unique<account>(ex, i + 1, names[i % 6], balance));
      all.push_back(owned.back().get());
    }
  }
  int sum() const {
    int s = 0;
    for (auto* a : all) s += a->balance;
    return s;
  }
};

std::string describe_transfer(const account& from, const account& to, int amount) {
  return "transfer(" + from.name + " -> " + to.name + ", " + std::to_string(amount) + ")";
}

net::awaitable<void> move_money(account& from, account& to, int amount, int times,
                                std::atomic<int>& moved) {
  lunch::pending p(describe_transfer(from, to, amount) + " x" + std::to_string(times));
  for (int i = 0; i < times; ++i)
    if (co_await transfer(from, to, amount)) ++moved;
}

std::string deadlock_message(const lunch::deadline_exceeded& e) {
  return "DEADLOCK: the transfers never finished. Each one holds the lock of "
         "the account it debits and waits for the lock the other one holds: "
         "take both locks in the bank's order (increasing id), whichever way "
         "the money goes.\n" + std::string(e.what());
}

net::awaitable<void> both_directions(std::atomic<int>& moved) {
  auto ex = co_await net::this_coro::executor;
  bank b(ex, 2, 1000);
  task_group group(ex);
  group.spawn(move_money(*b.all[0], *b.all[1], 10, 20, moved));
  group.spawn(move_money(*b.all[1], *b.all[0], 7, 20, moved));
  co_await group.wait();
  CHECK_MESSAGE(b.all[0]->balance == 1000 - 200 + 140,
                "alice should have 940 after 20 x 10 out and 20 x 7 in, has "
                << b.all[0]->balance);
  CHECK_MESSAGE(b.all[1]->balance == 1000 + 200 - 140,
                "bob should have 1060, has " << b.all[1]->balance);
}

// One of the stress test's tasks: random pairs, both directions.
net::awaitable<void> random_transfers(bank& b, int t, std::atomic<int>& moved) {
  lunch::pending p("task " + std::to_string(t) + ": 2,500 random transfers");
  std::minstd_rand rng(unsigned(t + 1));
  const int n = int(b.all.size());
  for (int i = 0; i < 2500; ++i) {
    const int x = int(rng() % unsigned(n));
    const int y = (x + 1 + int(rng() % unsigned(n - 1))) % n;
    if (co_await transfer(*b.all[x], *b.all[y], int(rng() % 20))) ++moved;
  }
}

}  // namespace

TEST_SUITE("transfer") {

TEST_CASE("transfers in opposite directions at the same time all finish") {
  std::atomic<int> moved{0};
  try {
    // 40 transfers take milliseconds, even under ThreadSanitizer: half a
    // second is plenty, and the shipped deadlock is reported that much sooner.
    lunch::run(both_directions(moved),
               {.deadline = 500ms, .what = "alice -> bob and bob -> alice at once"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
    return;
  }
  CHECK_MESSAGE(moved == 40, "40 transfers were covered by the balance, "
                << moved << " reported true");
}

TEST_CASE("a transfer the balance cannot cover moves nothing, also when two check at once") {
  auto work = []() -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    bank b(ex, 3, 100);
    std::atomic<int> moved{0};
    task_group group(ex);
    // carol (the highest id) pays both: her lock is not the first one taken.
    group.spawn(move_money(*b.all[2], *b.all[0], 60, 1, moved));
    group.spawn(move_money(*b.all[2], *b.all[1], 60, 1, moved));
    co_await group.wait();
    CHECK_MESSAGE(moved == 1,
                  "carol has 100 and two transfers of 60 ran at once: exactly "
                  "one may succeed, " << moved << " returned true");
    CHECK_MESSAGE(b.all[2]->balance == 40,
                  "carol should end with 40, has " << b.all[2]->balance
                  << ": the balance check and the debit must happen under the lock");
    CHECK_MESSAGE(b.sum() == 300, "money appeared or vanished: the total is "
                  << b.sum() << ", not 300");
    const bool refused = co_await transfer(*b.all[0], *b.all[1], 1000);
    CHECK_MESSAGE(!refused, "alice cannot cover 1000, yet transfer() returned true");
    CHECK_MESSAGE(b.sum() == 300, "after a refused transfer the total is "
                  << b.sum() << ", not 300");
  };
  try {
    lunch::run(work(), {.deadline = 2s, .what = "two transfers of 60 from 100"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
  }
}

TEST_CASE("an audit that locks every account in id order always sees the same total") {
  // Four accounts, transfers in every direction, and an auditor that keeps
  // summing under all four locks. Money must never be "in flight".
  auto work = []() -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    bank b(ex, 4, 500);
    std::atomic<int> moved{0};
    bool done = false;
    std::vector<int> wrong_totals;
    int audits = 0;
    auto auditor = [&]() -> net::awaitable<void> {
      lunch::pending p("the auditor, summing under all four locks");
      while (!done) {
        const int t = co_await audit_total(b.all);
        ++audits;
        if (t != 2000 && wrong_totals.size() < 5) wrong_totals.push_back(t);
      }
    };
    task_group transfers(ex);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j)
        if (i != j) transfers.spawn(move_money(*b.all[i], *b.all[j], 3 + i + j, 10, moved));
    task_group audit(ex);
    audit.spawn(auditor());
    co_await transfers.wait();
    done = true;
    co_await audit.wait();
    std::string seen;
    for (int t : wrong_totals) seen += std::to_string(t) + " ";
    CHECK_MESSAGE(wrong_totals.empty(),
                  "the audit saw totals other than 2000 (" << seen << ") while "
                  "transfers ran: money left one account before it reached the "
                  "other. Hold both locks for the whole move");
    CHECK_MESSAGE(b.sum() == 2000, "the total is " << b.sum() << " at the end, not 2000");
    CHECK_MESSAGE(audits > 0, "the auditor never finished an audit");
  };
  try {
    lunch::run(work(), {.deadline = 2s, .what = "12 kinds of transfer and an auditor"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
  }
}

TEST_CASE("a transfer between other accounts does not wait for a busy account") {
  auto work = []() -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    bank b(ex, 4, 100);
    std::atomic<int> moved{0};
    bool carol_to_dave_done = false;
    auto held = co_await b.all[1]->lock.lock();  // someone holds bob's account
    task_group group(ex);
    group.spawn(move_money(*b.all[0], *b.all[1], 5, 1, moved));  // waits for bob
    co_await lunch::let_others_run();
    auto other = [&]() -> net::awaitable<void> {
      lunch::pending p("transfer(carol -> dave, 5) while bob's lock is held");
      co_await transfer(*b.all[2], *b.all[3], 5);
      carol_to_dave_done = true;
    };
    task_group second(ex);
    second.spawn(other());
    for (int i = 0; i < 20 && !carol_to_dave_done; ++i) co_await lunch::nap(5ms);
    CHECK_MESSAGE(carol_to_dave_done,
                  "while bob's lock was held, carol -> dave did not finish: "
                  "transfers between other accounts must not wait for bob "
                  "(one lock for the whole bank serialises everything)");
    CHECK_MESSAGE(moved == 0, "alice -> bob went through while someone else held "
                  "bob's lock: a transfer must hold the locks of both its accounts");
    { auto release = std::move(held); }
    co_await group.wait();
    co_await second.wait();
    CHECK_MESSAGE(moved == 1, "alice -> bob should go through once bob's lock is free");
  };
  try {
    lunch::run(work(), {.deadline = 2s, .what = "carol -> dave while bob is busy"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
  }
}

TEST_CASE("4 threads x 2,500 transfers in every direction: no deadlock, money conserved") {
  std::atomic<int> moved{0};
  auto work = [&]() -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    bank b(ex, 5, 10'000);
    task_group group(ex);
    for (int t = 0; t < 4; ++t) group.spawn(random_transfers(b, t, moved));
    co_await group.wait();
    const int total = co_await audit_total(b.all);
    CHECK_MESSAGE(total == 50'000, "4 threads moved money about and the total became "
                  << total << ", not 50000");
  };
  try {
    lunch::run(work(), {.deadline = 5s, .threads = 4,
                        .what = "4 threads x 2,500 transfers"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(deadlock_message(e));
  }
  CHECK_MESSAGE(moved > 0, "no transfer went through");
}

}  // TEST_SUITE
