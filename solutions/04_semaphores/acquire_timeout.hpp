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
    net::steady_timer timer(co_await net::this_coro::executor, deadline);
    // SOLUTION: wait_for_one cancels the other operation when one ends. A
    // cancelled send leaves the channel's queue, so a timed-out waiter
    // cannot take a permit later. Both results come back either way.
    auto [order, send_ec, timer_ec] =
        co_await net::experimental::make_parallel_group(
            slots_.async_send(boost::system::error_code{}, net::deferred),
            timer.async_wait(net::deferred))
            .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
    // SOLUTION: the send's result decides, not `order`. In a tie the timer
    // may finish first, yet the send had already put our token in: it is
    // ours, and dropping it would lose the permit for good.
    if (!send_ec) co_return permit(this);
    if (!timer_ec)
      throw boost::system::system_error(net::error::timed_out,
                                        "timed_semaphore::acquire_until");
    // SOLUTION: neither: someone cancelled us from outside. Say so.
    throw boost::system::system_error(send_ec, "timed_semaphore::acquire_until");
  }

 private:
  // Each token in the channel is a permit out; a full channel makes a send wait.
  net::experimental::concurrent_channel<void(boost::system::error_code)> slots_;
};

// Another way: `co_await (acquire() || timer.async_wait(...))` with the
// awaitable operators is also safe here, but only because acquire() returns
// a permit: when the timer wins a tie, the operator drops the permit the
// other branch got, and its destructor gives the permit back. The raw
// channel send in an `||` has nothing to give back, and leaks. A design
// with a queue of waiters behind a mutex would instead remove the waiter
// from the queue under the lock when the timer fires, and treat "already
// granted" as success.
