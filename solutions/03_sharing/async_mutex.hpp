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
  // SOLUTION: the channel is the whole state: full means locked. Room for
  // exactly one token is what makes it a mutex (room for N: a semaphore).
  explicit async_mutex(net::any_io_executor ex) : slot_(std::move(ex), 1) {}
  async_mutex(const async_mutex&) = delete;
  async_mutex& operator=(const async_mutex&) = delete;

  // Waits until the lock is free, takes it, and returns the guard.
  net::awaitable<guard> lock() {
    // SOLUTION: putting our token in the box is taking the lock. If the box
    // is full, the send waits in the channel's queue, in arrival order, and
    // the thread goes on running other coroutines. A free lock is taken at
    // once by try_send: async_send would go round the event loop even when
    // it need not wait. It cannot jump the queue: while anyone waits, the
    // box is full.
    if (slot_.try_send(boost::system::error_code{})) co_return guard(this);
    co_await slot_.async_send(boost::system::error_code{}, net::use_awaitable);
    co_return guard(this);
  }

  // Takes the lock if it is free right now; otherwise returns nullopt.
  std::optional<guard> try_lock() {
    // SOLUTION: the same token, but only if there is room.
    if (slot_.try_send(boost::system::error_code{})) return guard(this);
    return std::nullopt;
  }

 private:
  // Called by the guard, once per successful lock().
  void unlock() noexcept {
    // SOLUTION: taking the token out makes room; the channel moves the first
    // waiting sender's token in and schedules that waiter to resume on its
    // own executor. It never resumes it inside this call, so a guard's
    // destructor cannot run someone else's critical section.
    slot_.try_receive([](boost::system::error_code) {});
  }

  net::experimental::concurrent_channel<void(boost::system::error_code)> slot_;
};

// Another way: keep a `bool locked` and a queue of waiting handlers behind a
// std::mutex (held for a few instructions, never across a co_await), with
// lock() written using `net::async_initiate`; unlock() pops the first
// handler and posts it, and a waiter's cancellation slot removes it from
// the queue. It needs no channel, but the cancellation handling is yours to
// get right. The well-known async mutexes go further: cppcoro's is
// lock-free (one atomic word that says "unlocked", "locked" or points to a
// list of waiters, updated with compare-and-swap), and Tokio's Mutex is a
// batch semaphore with one permit (an atomic permit count, with a queue of
// waiters behind a lock of its own). A strand that owns the state works too.
