// Exercise 09_deadlocks/upgrade  (fix the bug)
//
// A price list guarded by a reader-writer lock: many readers at once, or
// one writer. raise() reads the old price under a read lock, asks the
// pricing service for the new one, then asks for the write lock to store
// it, still holding its read lock. A write lock waits until no reader is
// left, and this reader is waiting for the write lock: it waits for
// itself, forever. (Rust's RwLock deadlocks the same way; `drop` or
// `downgrade` are the cures there.)
//
// Done when:
//   - a single raise() finishes (the tests name a deadlock within seconds);
//   - ten raise(+1) running at once take a price from 100 to 110: no update
//     is lost, and `changes` counts ten;
//   - raise() returns the price it stored.
//
// Pitfall: letting go of the read lock before asking for the write lock
// ends the deadlock, but another raise() can store its price in between,
// and then the price computed from the old value overwrites it.
#pragma once

#include <boost/asio.hpp>

#include <chrono>
#include <map>
#include <string>
#include <utility>

#include "lunch/watchdog.hpp"

namespace net = boost::asio;

// A small async reader-writer lock for coroutines on one thread (chapter 03
// builds one for many threads). A waiting writer keeps new readers out, so
// writers are not starved. Its waits are named in the watchdog's report.
class price_lock {
 public:
  explicit price_lock(net::any_io_executor ex)
      : changed_(std::move(ex), std::chrono::steady_clock::time_point::max()) {}

  class guard {  // releases the lock (read or write) when it goes
   public:
    guard(price_lock* l, bool writer) : l_(l), writer_(writer) {}
    guard(guard&& o) noexcept : l_(std::exchange(o.l_, nullptr)), writer_(o.writer_) {}
    guard& operator=(guard&&) = delete;
    ~guard() { unlock(); }
    void unlock() {
      if (auto* l = std::exchange(l_, nullptr)) l->release(writer_);
    }

   private:
    price_lock* l_;
    bool writer_;
  };

  net::awaitable<guard> read() {
    lunch::pending p("read(): waits while a writer holds or wants the lock");
    while (writer_ || writers_waiting_ > 0) co_await changed();
    ++readers_;
    co_return guard(this, false);
  }

  net::awaitable<guard> write() {
    lunch::pending p("write(): waits until no reader and no writer holds the lock");
    ++writers_waiting_;
    while (writer_ || readers_ > 0) {
      p.set("write(): waits for " + std::to_string(readers_) +
            " reader(s) to let go of the lock");
      co_await changed();
    }
    --writers_waiting_;
    writer_ = true;
    co_return guard(this, true);
  }

 private:
  // A timer that never expires, used as a condition variable: cancel()
  // wakes every coroutine waiting on it.
  net::awaitable<void> changed() {
    boost::system::error_code woken;
    co_await changed_.async_wait(net::redirect_error(net::use_awaitable, woken));
  }
  void release(bool writer) {
    if (writer) writer_ = false; else --readers_;
    changed_.cancel();
  }

  net::steady_timer changed_;
  int readers_ = 0;
  int writers_waiting_ = 0;
  bool writer_ = false;
};

struct price_list {
  explicit price_list(net::any_io_executor ex) : lock(std::move(ex)) {}
  std::map<std::string, int> prices;  // guarded by `lock`
  int changes = 0;                    // guarded by `lock`
  price_lock lock;
};

// Stands for the pricing service: a round trip that suspends.
inline net::awaitable<int> pricing_service(int old_price, int delta) {
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
  co_return old_price + delta;
}

// Raises the price of `item` (already in the list) by `delta` and returns
// the new price.
inline net::awaitable<int> raise(price_list& list, std::string item, int delta) {
  // SOLUTION: a read-modify-write is a write: take the write lock once, for
  // the whole of it. Nothing is read without it, so nothing read can go
  // stale, and this task never holds one lock while it waits for another.
  auto writing = co_await list.lock.write();
  const int old_price = list.prices.at(item);
  const int new_price = co_await pricing_service(old_price, delta);
  list.prices.at(item) = new_price;
  ++list.changes;
  co_return new_price;
}

// Another way, when the round trip is long and readers should not wait for
// it: read under the read lock, let it go, ask the service, then take the
// write lock and check that the price is still the one you read; if it is
// not, start again with the new one (optimistic concurrency). Rust's
// RwLock has no upgrade either; its write-then-read case is `downgrade()`.
