// Exercise 04_semaphores/rate_limit
//
// A semaphore limits how many run at once. Many APIs limit something else:
// how many requests *start* per second ("20 per second, bursts of 5"). The
// usual tool is a token bucket: it holds up to B tokens, gains R tokens per
// second, and every start spends one. A full bucket lets B start at once;
// after that, starts come 1/R apart.
//
// Three facts make it short:
//   - no background task is needed to refill the bucket: what it holds now
//     follows from what it held at the last call and the time since then
//     (R per second, never more than B);
//   - let the count go below zero: -3 once you have spent yours means three
//     tokens have yet to arrive, the last of them yours, 3/R from now;
//   - a `net::steady_timer` can sleep until a time point (`expires_at`).
// So each caller books a start time as it arrives and sleeps until then:
// first come, first served, and no CPU spent while waiting.
//
// Done when:
//   - the bucket starts full: the first `burst` callers start at once;
//   - t seconds after the limiter was made, at most burst + per_second * t
//     callers have started, and the rest follow 1/per_second apart;
//   - callers start in the order they called acquire();
//   - after a pause the bucket is full again, but never fuller than `burst`;
//   - waiting uses no CPU.
//
// Pitfall: sleeping 1/R between calls, with no bucket, gives the right
// long-run rate but no burst; waking all waiters to race for each new
// token serves them in no particular order.
#pragma once

#include <boost/asio.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "lunch/todo.hpp"

namespace net = boost::asio;

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  // On average `per_second` starts per second, up to `burst` (>= 1) at once.
  rate_limiter(double per_second, int burst)
      : per_second_(per_second), burst_(burst), tokens_(burst), last_(clock::now()) {}
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  // Returns when the caller may start.
  net::awaitable<void> acquire() {
    const auto now = clock::now();
    clock::time_point start = now;
    {
      // SOLUTION: a std::mutex is right here: held for a few instructions,
      // never across a co_await, and callers may be on several threads.
      std::lock_guard lock(m_);
      const std::chrono::duration<double> since = now - last_;
      tokens_ = std::min<double>(burst_, tokens_ + since.count() * per_second_);
      last_ = now;
      tokens_ -= 1;  // spend ours, even if it has not arrived yet: a booking
      if (tokens_ < 0)
        start = now + std::chrono::duration_cast<clock::duration>(
                          std::chrono::duration<double>(-tokens_ / per_second_));
    }
    // SOLUTION: bookings are made in arrival order and each one lies
    // 1/per_second after the one before, so sleeping until our own start
    // time is first come, first served with no queue of our own.
    if (start > now) {
      net::steady_timer timer(co_await net::this_coro::executor, start);
      co_await timer.async_wait(net::use_awaitable);
    }
  }

 private:
  double per_second_;
  int burst_;
  std::mutex m_;
  double tokens_;           // may go negative: starts booked ahead
  clock::time_point last_;  // when tokens_ was last brought up to date
};

// Another way: keep `next_` (the start time of the next booking) instead of
// a token count: start = max(now, next_ - (burst - 1) / per_second), then
// next_ = max(now, next_) + 1 / per_second. This is the "generic cell rate
// algorithm" that rate limiters in networking gear use; it gives the same
// start times. A refill task that puts a token into a channel of capacity
// B every 1/R, with acquire() receiving one, works too, but it is a task
// that runs forever and has to be stopped.
