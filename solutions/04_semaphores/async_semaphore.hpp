// Exercise 04_semaphores/async_semaphore
//
// A semaphore hands out at most N permits. Tokio's `sem.acquire().await`
// takes one, waiting without holding up the thread while none is free, and
// dropping the permit gives it back: "at most N of these at once". Asio
// has no semaphore (not in Boost 1.81, nor in 1.89); chapter 03's
// async_mutex was the case N = 1.
//
// What chapter 03 showed about
// `net::experimental::concurrent_channel<void(boost::system::error_code)>`
// holds for any capacity: `async_send` waits while the channel is full,
// waiting senders get in first come, first served, `try_send` never waits,
// and `try_receive` makes room by handing it to the oldest waiting sender,
// which resumes later on its own executor. Thread-safe throughout.
//
// Write `acquire()`, `try_acquire()` and the private `release()`. The
// permit is written for you: it can be moved (into a spawned task, say) and
// calls release() exactly once, when its last owner lets it go.
//
// Done when:
//   - at most N permits are out at once, and N tasks do hold one each when
//     there is enough work (a limit of 1 would be a mutex, not N);
//   - waiters get permits in the order they asked, also when a holder
//     releases and asks again at once, or a newcomer asks during the
//     hand-off: a released permit belongs to the oldest waiter;
//   - release() never runs the next waiter inside itself;
//   - waiting uses no CPU and never blocks the thread;
//   - a permit moved into a task that ends on another thread is given
//     back from there, once;
//   - after thousands of acquires on four threads, exactly N are free.
//
// Pitfall: a counter plus a "wake up and check again" signal lets anyone
// who asks during the hand-off take the permit meant for the oldest waiter.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <cstddef>
#include <optional>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

class async_semaphore {
 public:
  // One permit. Move-only: whoever holds it last gives it back.
  // [[nodiscard]]: `co_await sem.acquire();` alone would take a permit and
  // give it back at once (clang warns about it; g++ 12 stays silent).
  class [[nodiscard]] permit {
   public:
    permit(permit&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
    permit& operator=(permit&& other) noexcept {
      if (this != &other) {
        release();
        s_ = std::exchange(other.s_, nullptr);
      }
      return *this;
    }
    ~permit() { release(); }

    // Gives the permit back early (Rust's `drop(permit)`); later calls and
    // the destructor then do nothing.
    void release() noexcept {
      if (s_) std::exchange(s_, nullptr)->release();
    }
    explicit operator bool() const noexcept { return s_ != nullptr; }

   private:
    friend class async_semaphore;
    explicit permit(async_semaphore* s) noexcept : s_(s) {}
    async_semaphore* s_;
  };

  // `permits` may be out at once. The semaphore must outlive its permits.
  // SOLUTION: the channel is the whole state: each buffered token is a
  // permit out, so room for N tokens is N permits. Nothing else to count.
  async_semaphore(net::any_io_executor ex, std::size_t permits)
      : slots_(std::move(ex), permits) {}
  async_semaphore(const async_semaphore&) = delete;
  async_semaphore& operator=(const async_semaphore&) = delete;

  // Waits until a permit is free (first come, first served) and takes it.
  net::awaitable<permit> acquire() {
    // SOLUTION: putting a token in takes a permit. While all N are out the
    // send waits in the channel's queue, in arrival order, and the thread
    // goes on running other coroutines. A free permit is taken at once by
    // try_send: async_send would go round the event loop even when it need
    // not wait, and that trip costs more than the rest of acquire().
    if (slots_.try_send(boost::system::error_code{})) co_return permit(this);
    co_await slots_.async_send(boost::system::error_code{}, net::use_awaitable);
    co_return permit(this);
  }

  // Takes a permit if one is free right now; otherwise nullopt. Never waits.
  std::optional<permit> try_acquire() {
    // SOLUTION: the same token, only if there is room. While senders wait
    // the channel is always full (a freed slot goes straight to the oldest
    // of them), so try_acquire cannot jump the queue.
    if (slots_.try_send(boost::system::error_code{})) return permit(this);
    return std::nullopt;
  }

 private:
  // Called by a permit, exactly once.
  void release() noexcept {
    // SOLUTION: taking one token out makes room, and the channel moves the
    // oldest waiting sender's token in within the same call: the permit is
    // handed over before anybody else can ask. That sender's coroutine is
    // scheduled to resume on its own executor, never run inside this call.
    slots_.try_receive([](boost::system::error_code) {});
  }

  net::experimental::concurrent_channel<void(boost::system::error_code)> slots_;
};

// Another way: a count and a queue of waiting handlers behind a std::mutex
// (held for a few instructions, never across a co_await), with acquire()
// written with `net::async_initiate`. release() hands the permit to the
// first queued handler and posts it instead of increasing the count, which
// is what keeps newcomers from barging. That is how Tokio's semaphore works
// inside, and it can also take several permits at once (acquire_many),
// which a channel cannot do in one step.
