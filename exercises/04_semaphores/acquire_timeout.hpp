// Exercise 04_semaphores/acquire_timeout
//
// Waiting for a permit forever is rarely right for a service: after a while
// "busy, try again later" is the better answer. Tokio writes it as
// `tokio::time::timeout(d, sem.acquire()).await`. Here you add
// `acquire_until(deadline)` to a semaphore that is written for you: the one
// of async_semaphore, a channel that holds one token per permit out.
//
// The hard moment is a tie: the permit is handed to this waiter in the very
// turn its deadline passes. `co_await (a || b)` then reports the timer as
// the winner and drops what the send had already done: a token sits in the
// channel, owned by no permit, and that permit is gone for good.
// `net::experimental::make_parallel_group(a, b).async_wait(
// net::experimental::wait_for_one(), net::use_awaitable)` tells you how
// *each* operation ended: `auto [order, send_ec, timer_ec] = ...`.
//
// Done when:
//   - with no permit by the deadline, it throws boost::system::system_error
//     with code() == net::error::timed_out, once the deadline has passed;
//   - a permit given back before the deadline is taken at once;
//   - a waiter that timed out (or was cancelled) has left the queue: the
//     next permit goes to the next live waiter, and nobody else's permit
//     is given back on its behalf;
//   - a waiter with a deadline keeps its place in the queue meanwhile;
//   - no permit is lost when one arrives just as the deadline passes.
//
// Pitfall: polling (try_acquire, nap, try again) also meets the deadline,
// but it loses its place in the queue to every plain acquire().
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

class timed_semaphore {
 public:
  using clock = std::chrono::steady_clock;

  // One permit, as in async_semaphore: move-only, given back exactly once.
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
    void release() noexcept {
      if (s_) std::exchange(s_, nullptr)->slots_.try_receive([](boost::system::error_code) {});
    }
    explicit operator bool() const noexcept { return s_ != nullptr; }

   private:
    friend class timed_semaphore;
    explicit permit(timed_semaphore* s) noexcept : s_(s) {}
    timed_semaphore* s_;
  };

  timed_semaphore(net::any_io_executor ex, std::size_t permits)
      : slots_(std::move(ex), permits) {}

  net::awaitable<permit> acquire() {
    co_await slots_.async_send(boost::system::error_code{}, net::use_awaitable);
    co_return permit(this);
  }

  std::optional<permit> try_acquire() {
    if (slots_.try_send(boost::system::error_code{})) return permit(this);
    return std::nullopt;
  }

  // Like acquire(), but gives up at `deadline`: throws system_error with
  // net::error::timed_out.
  net::awaitable<permit> acquire_until(clock::time_point deadline) {
    // TODO: race the channel send against a steady_timer set to `deadline`,
    //       and let how the *send* ended decide: a permit or timed_out.
    co_return lunch::todo<permit>(
        "timed_semaphore::acquire_until: wait for a permit, but not past the deadline");
  }

 private:
  // Each token in the channel is a permit out; a full channel makes a send wait.
  net::experimental::concurrent_channel<void(boost::system::error_code)> slots_;
};
