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
  async_semaphore(net::any_io_executor ex, std::size_t permits)
      : ex_(std::move(ex)), permits_(permits) {}
  async_semaphore(const async_semaphore&) = delete;
  async_semaphore& operator=(const async_semaphore&) = delete;

  // Waits until a permit is free (first come, first served) and takes it.
  net::awaitable<permit> acquire() {
    // TODO: wait for a free permit without blocking the thread, then
    //       `co_return permit(this);`.
    co_return lunch::todo<permit>(
        "async_semaphore::acquire: wait for a free permit, first come first served");
  }

  // Takes a permit if one is free right now; otherwise nullopt. Never waits.
  std::optional<permit> try_acquire() {
    // TODO: a permit only if one is free now (none is while others wait).
    return lunch::todo<std::optional<permit>>(
        "async_semaphore::try_acquire: take a permit only if one is free");
  }

 private:
  // Called by a permit, exactly once.
  void release() noexcept {
    // TODO: give the permit back: to the oldest waiter if there is one.
  }

  // TODO: the semaphore's state. You start with its executor and its size.
  net::any_io_executor ex_;
  std::size_t permits_;
};
