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
#include <boost/asio/experimental/awaitable_operators.hpp>
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

  // [slide:lock_for]
  // The lock within `limit`, or lock_timeout naming this lock.
  net::awaitable<guard> lock_for(std::chrono::milliseconds limit) {
    // SOLUTION: `a || b` runs both and, when one finishes, cancels the
    // other and waits for it to end. So when the timer wins, our send is
    // withdrawn from the channel's queue before `||` returns: no token
    // goes in later, nothing leaks. When the lock wins, we hold it.
    using namespace net::experimental::awaitable_operators;
    const auto start = std::chrono::steady_clock::now();
    net::steady_timer timer(co_await net::this_coro::executor, limit);
    auto winner = co_await (lock() || timer.async_wait(net::use_awaitable));
    if (winner.index() == 0) co_return std::move(std::get<0>(winner));
    throw lock_timeout(name_, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start));
  }
  // [/slide]

 private:
  std::string name_;
  net::experimental::concurrent_channel<void(boost::system::error_code)> slot_;
};

// Another way: async_send with a cancellation slot bound to it
// (net::bind_cancellation_slot), and a timer whose handler emits that
// signal. Then the one question is which completed: the send's own result
// says it (success: you hold the lock, whatever the timer did). Forward the
// coroutine's own cancellation to that signal too (this_coro::
// cancellation_state), or a cancel from outside no longer reaches the send.
