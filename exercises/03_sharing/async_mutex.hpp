// Exercise 03_sharing/async_mutex
//
// Tokio's `mutex.lock().await` waits for the lock without holding up the
// thread: while one task waits, every other task on that thread keeps
// running. Asio has no such mutex (not in Boost 1.81, nor in 1.89), and
// std::mutex cannot stand in for it: its lock() blocks the whole thread,
// and on a single thread the holder can never come back to unlock (the
// README shows the deadlock).
//
// Asio does have the parts. Four facts about
// `net::experimental::concurrent_channel<void(boost::system::error_code)>`:
//   - made with room for one message, it is a box that holds one token;
//   - `async_send` into the full box waits, without blocking the thread,
//     and waiting senders get in in the order they started waiting;
//   - `try_send` puts a token in only if there is room, and never waits;
//   - `try_receive` takes the token out, which lets the first waiting
//     sender's token in. All of it is safe from several threads.
//
// Write `async_mutex`: `auto g = co_await m.lock();` holds the lock until
// `g` is destroyed (or `g.unlock()` is called). The guard is written for
// you: it calls the private `unlock()` exactly once.
//
// Done when:
//   - there is at most one holder at a time, even when holders co_await
//     inside the critical section, and on a multi-threaded io_context
//     (4 threads x 10'000 lock/unlock);
//   - waiters get the lock in the order they asked for it, also when the
//     holder unlocks and asks again at once, or a newcomer asks during the
//     hand-over: an unlocked lock belongs to its first waiter at once;
//   - unlocking never runs the next holder inside the unlock: it resumes
//     later, from the event loop;
//   - the lock is released when the guard goes, also when an exception
//     leaves the critical section;
//   - waiting costs no CPU, and a thousand waiters on one thread do not
//     block it;
//   - a lock() cancelled while it waits (through its cancellation slot)
//     throws boost::system::system_error (operation_aborted; with a channel,
//     the channel's own channel_cancelled) and takes nothing: the waiters
//     behind it still get their turn;
//   - `try_lock()` takes the lock only if it is free, and never waits.
//
// Pitfall: a std::mutex inside lock() would pass a quick single-caller test
// and then hang the first time two coroutines on one thread want the lock.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <optional>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

class async_mutex {
 public:
  // Proof that you hold the lock. Move-only, so exactly one owner releases.
  class guard {
   public:
    guard(guard&& other) noexcept : m_(std::exchange(other.m_, nullptr)) {}
    guard& operator=(guard&& other) noexcept {
      if (this != &other) {
        unlock();
        m_ = std::exchange(other.m_, nullptr);
      }
      return *this;
    }
    ~guard() { unlock(); }

    // Releases early (Rust's `drop(guard)`); later calls do nothing.
    void unlock() noexcept {
      if (m_) std::exchange(m_, nullptr)->unlock();
    }
    bool owns_lock() const noexcept { return m_ != nullptr; }

   private:
    friend class async_mutex;
    explicit guard(async_mutex* m) noexcept : m_(m) {}
    async_mutex* m_;
  };

  // The executor the lock's own machinery uses; waiters resume on theirs.
  explicit async_mutex(net::any_io_executor ex) : ex_(std::move(ex)) {}
  async_mutex(const async_mutex&) = delete;
  async_mutex& operator=(const async_mutex&) = delete;

  // Waits until the lock is free, takes it, and returns the guard.
  net::awaitable<guard> lock() {
    // TODO: wait (without blocking the thread) for your turn, then
    //       `co_return guard(this);`.
    co_return lunch::todo<guard>(
        "async_mutex::lock: wait for the lock without blocking the thread");
  }

  // Takes the lock if it is free right now; otherwise returns nullopt.
  std::optional<guard> try_lock() {
    // TODO: take the lock only if nobody holds it; never wait.
    return lunch::todo<std::optional<guard>>(
        "async_mutex::try_lock: take the lock only if it is free");
  }

 private:
  // Called by the guard, once per successful lock().
  void unlock() noexcept {
    // TODO: release the lock, letting the first waiter (if any) in.
  }

  // TODO: the state of the lock. An executor is all you start with.
  net::any_io_executor ex_;
};
