// Exercise 09_deadlocks/transfer  (fix the bug)
//
// Each bank account has a lock of its own, so that transfers between other
// accounts never wait for each other. transfer() below takes the lock of
// the account it debits, writes a journal entry (a round trip that
// suspends), then takes the lock of the account it credits. It works, one
// transfer at a time. Run alice -> bob and bob -> alice together, and each
// holds the lock the other one waits for: nobody ever moves again.
//
// The bank's rule for taking several account locks (audit_total() keeps
// it): always in increasing `id` order. transfer() breaks it.
//
// Done when:
//   - transfers in both directions between the same accounts, at the same
//     time, all finish (the tests name a deadlock within seconds);
//   - money is conserved at every moment: audit_total(), which locks every
//     account in id order, always sees the same total while transfers run,
//     also on 4 threads x thousands of transfers;
//   - a transfer the debited account cannot cover moves nothing and returns
//     false, even when two transfers check the same balance at once;
//   - a transfer waits while someone else holds either account's lock, and
//     transfers between other accounts do not wait for each other.
//
// Pitfall: releasing the first lock before taking the second does not
// deadlock, but while the money is between the two accounts an audit sees
// it nowhere.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <string>
#include <utility>
#include <vector>

#include "lunch/watchdog.hpp"

namespace net = boost::asio;

// A small async mutex (chapter 03 builds one): a channel with room for one
// token. Full means locked; lock() waits without blocking the thread, and
// while it waits, the watchdog's report names the lock.
class account_lock {
 public:
  account_lock(net::any_io_executor ex, std::string name)
      : name_(std::move(name)), slot_(std::move(ex), 1) {}
  struct guard {
    account_lock* m;
    explicit guard(account_lock* l) : m(l) {}
    guard(guard&& o) noexcept : m(std::exchange(o.m, nullptr)) {}
    guard& operator=(guard&&) = delete;
    ~guard() { if (m) m->slot_.try_receive([](boost::system::error_code) {}); }
  };
  net::awaitable<guard> lock() {
    lunch::pending waiting("someone waits for " + name_ + "'s lock");
    co_await slot_.async_send(boost::system::error_code{}, net::use_awaitable);
    co_return guard(this);
  }

 private:
  std::string name_;
  net::experimental::concurrent_channel<void(boost::system::error_code)> slot_;
};

struct account {
  account(net::any_io_executor ex, int id, std::string name, int balance)
      : id(id), name(name), balance(balance), lock(std::move(ex), std::move(name)) {}
  const int id;            // the order in which locks are taken
  const std::string name;
  int balance;             // guarded by `lock`
  account_lock lock;
};

// Stands for a write to the bank's journal: a round trip that suspends.
inline net::awaitable<void> journal_write() {
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

// The sum of all balances, read under every account's lock, taken in
// increasing id order (the bank's rule). `accounts` is sorted by id.
inline net::awaitable<int> audit_total(std::vector<account*> accounts) {
  std::vector<account_lock::guard> held;
  held.reserve(accounts.size());
  for (account* a : accounts) held.push_back(co_await a->lock.lock());
  int total = 0;
  for (account* a : accounts) total += a->balance;
  co_return total;
}

// [slide:transfer]
// Moves `amount` from `from` to `to`; false (and nothing moved) when `from`
// cannot cover it. `from` and `to` are different accounts.
inline net::awaitable<bool> transfer(account& from, account& to, int amount) {
  // SOLUTION: both locks, lowest id first, whichever way the money goes.
  // Then no task can hold a higher lock while waiting for a lower one, so
  // no cycle of waits can form. The balance is checked only once both are
  // held: the check and the move are one step, under both locks.
  account& first = from.id < to.id ? from : to;
  account& second = from.id < to.id ? to : from;
  auto one = co_await first.lock.lock();
  co_await journal_write();
  auto two = co_await second.lock.lock();
  if (from.balance < amount) co_return false;
  from.balance -= amount;
  to.balance += amount;
  co_return true;
}
// [/slide]

// Another way: take the first lock, then only *try* the second (a
// try_lock); on failure release everything, wait a little and start again.
// It needs no global order, but two tasks can keep backing off in step
// (a livelock), so it wants a random pause. One lock for the whole bank
// cannot deadlock either, but then no two transfers ever run at once.
