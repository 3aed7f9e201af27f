// Exercise 09_deadlocks/timed_lock
//
// A deadlock does not crash: it waits, quietly, forever. A lock that gives
// up after a deadline turns that silence into an error you can read, and
// the error is only useful if it says which lock and how long. (Rust has
// the `timed_lock` crate; Tokio code writes `timeout(d, m.lock())`.)
//
// `named_mutex` below works already: lock(), try_lock(), a guard. Write
// `lock_for(limit)`: the lock within `limit`, or a `lock_timeout` error.
//
// Done when:
//   - a free lock is taken at once, and a lock freed before the limit is
//     taken then (the guard holds it until it goes);
//   - when the limit passes first, lock_for() throws lock_timeout: what()
//     contains the lock's name and the milliseconds waited, and waited() is
//     at least the limit; the clock starts when lock_for() is awaited;
//   - a lock_for() that timed out takes nothing, ever: once the holder lets
//     go, the lock is free (try_lock() gets it) and the next waiter in line
//     gets it;
//   - a lock_for() cancelled from outside (its cancellation slot) ends with
//     an exception and takes nothing.
//
// Pitfall: the timer and the lock can finish at about the same moment; if
// the lock was granted and you report a timeout anyway, you leak the lock
// and the next lock() waits forever.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// What lock_for() throws when the limit passes first.
class lock_timeout : public std::runtime_error {
 public:
  lock_timeout(const std::string& lock_name, std::chrono::milliseconds waited)
      : std::runtime_error("timed out after " + std::to_string(waited.count()) +
                           " ms waiting for the lock '" + lock_name + "'"),
        lock_name_(lock_name), waited_(waited) {}
  const std::string& lock_name() const { return lock_name_; }
  std::chrono::milliseconds waited() const { return waited_; }

 private:
  std::string lock_name_;
  std::chrono::milliseconds waited_;
};

class named_mutex {
 public:
  class guard {  // holds the lock until it goes (or unlock())
   public:
    explicit guard(named_mutex* m) : m_(m) {}
    guard(guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) { unlock(); m_ = std::exchange(o.m_, nullptr); }
      return *this;
    }
    ~guard() { unlock(); }
    void unlock() {
      if (auto* m = std::exchange(m_, nullptr)) m->slot_.try_receive([](auto) {});
    }

   private:
    named_mutex* m_;
  };

  named_mutex(net::any_io_executor ex, std::string name)
      : name_(std::move(name)), slot_(std::move(ex), 1) {}
  const std::string& name() const { return name_; }

  // Waits as long as it takes, first come first served.
  net::awaitable<guard> lock() {
    co_await slot_.async_send(boost::system::error_code{}, net::use_awaitable);
    co_return guard(this);
  }
  std::optional<guard> try_lock() {
    if (slot_.try_send(boost::system::error_code{})) return guard(this);
    return std::nullopt;
  }

  // The lock within `limit`, or lock_timeout naming this lock.
  net::awaitable<guard> lock_for(std::chrono::milliseconds limit) {
    // TODO: race lock() against a timer; report which one won.
    co_return lunch::todo<guard>("named_mutex::lock_for: lock() or lock_timeout after `limit`");
  }

 private:
  std::string name_;
  net::experimental::concurrent_channel<void(boost::system::error_code)> slot_;
};
