// The half of test_transfer.cpp that does not depend on the exercise: the
// scenarios, compiled once with the course. The accounts come in as a
// `bank` made by the test file.
#include "test_transfer_harness.hpp"

#include <boost/asio.hpp>

#include <random>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;
using lunch::task_group;

namespace transfer_harness {

int bank::sum() const {
  int s = 0;
  for (int i = 0; i < size(); ++i) s += balance(i);
  return s;
}

namespace {

std::string describe_transfer(const bank& b, int from, int to, int amount) {
  return "transfer(" + b.name(from) + " -> " + b.name(to) + ", " + std::to_string(amount) + ")";
}

net::awaitable<void> move_money(bank& b, int from, int to, int amount, int times,
                                std::atomic<int>& moved) {
  lunch::pending p(describe_transfer(b, from, to, amount) + " x" + std::to_string(times));
  for (int i = 0; i < times; ++i)
    if (co_await b.transfer(from, to, amount)) ++moved;
}

// One of the stress test's tasks: random pairs, both directions.
net::awaitable<void> random_transfers(bank& b, int t, std::atomic<int>& moved) {
  lunch::pending p("task " + std::to_string(t) + ": 2,500 random transfers");
  std::minstd_rand rng(unsigned(t + 1));
  const int n = b.size();
  for (int i = 0; i < 2500; ++i) {
    const int x = int(rng() % unsigned(n));
    const int y = (x + 1 + int(rng() % unsigned(n - 1))) % n;
    if (co_await b.transfer(x, y, int(rng() % 20))) ++moved;
  }
}

}  // namespace

net::awaitable<void> both_directions(open_bank open, std::atomic<int>& moved,
                                     both_directions_result& r) {
  auto ex = co_await net::this_coro::executor;
  auto b = open(ex, 2, 1000);
  task_group group(ex);
  group.spawn(move_money(*b, 0, 1, 10, 20, moved));
  group.spawn(move_money(*b, 1, 0, 7, 20, moved));
  co_await group.wait();
  r.alice = b->balance(0);
  r.bob = b->balance(1);
}

net::awaitable<void> two_check_one_balance(open_bank open, cover_result& r) {
  auto ex = co_await net::this_coro::executor;
  auto b = open(ex, 3, 100);
  std::atomic<int> moved{0};
  task_group group(ex);
  // carol (the highest id) pays both: her lock is not the first one taken.
  group.spawn(move_money(*b, 2, 0, 60, 1, moved));
  group.spawn(move_money(*b, 2, 1, 60, 1, moved));
  co_await group.wait();
  r.moved = moved;
  r.carol = b->balance(2);
  r.sum = b->sum();
  r.big_transfer = co_await b->transfer(0, 1, 1000);
  r.sum_after = b->sum();
}

net::awaitable<void> audit_while_transferring(open_bank open, audit_result& r) {
  // Money must never be "in flight": the auditor holds all four locks.
  auto ex = co_await net::this_coro::executor;
  auto b = open(ex, 4, 500);
  std::atomic<int> moved{0};
  bool done = false;
  auto auditor = [&]() -> net::awaitable<void> {
    lunch::pending p("the auditor, summing under all four locks");
    while (!done) {
      const int t = co_await b->audit_total();
      ++r.audits;
      if (t != 2000 && r.wrong_totals.size() < 5) r.wrong_totals.push_back(t);
    }
  };
  task_group transfers(ex);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      if (i != j) transfers.spawn(move_money(*b, i, j, 3 + i + j, 10, moved));
  task_group audit(ex);
  audit.spawn(auditor());
  co_await transfers.wait();
  done = true;
  co_await audit.wait();
  r.sum = b->sum();
}

net::awaitable<void> beside_a_busy_account(open_bank open, busy_result& r) {
  auto ex = co_await net::this_coro::executor;
  auto b = open(ex, 4, 100);
  std::atomic<int> moved{0};
  bool carol_to_dave_done = false;
  held bobs = co_await b->lock(1);  // someone holds bob's account
  task_group group(ex);
  group.spawn(move_money(*b, 0, 1, 5, 1, moved));  // waits for bob
  co_await lunch::let_others_run();
  auto other = [&]() -> net::awaitable<void> {
    lunch::pending p("transfer(carol -> dave, 5) while bob's lock is held");
    co_await b->transfer(2, 3, 5);
    carol_to_dave_done = true;
  };
  task_group second(ex);
  second.spawn(other());
  for (int i = 0; i < 20 && !carol_to_dave_done; ++i) co_await lunch::nap(5ms);
  r.carol_to_dave_done = carol_to_dave_done;
  r.moved_while_held = moved;
  bobs.reset();
  co_await group.wait();
  co_await second.wait();
  r.moved_at_end = moved;
}

net::awaitable<void> random_transfers_everywhere(open_bank open, std::atomic<int>& moved,
                                                 int& total) {
  auto ex = co_await net::this_coro::executor;
  auto b = open(ex, 5, 10'000);
  task_group group(ex);
  for (int t = 0; t < 4; ++t) group.spawn(random_transfers(*b, t, moved));
  co_await group.wait();
  total = co_await b->audit_total();
}

}  // namespace transfer_harness
