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
      : per_second_(per_second), burst_(burst) {}
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  // Returns when the caller may start.
  net::awaitable<void> acquire() {
    // TODO: book this caller's start time (the moment its token is there),
    //       then sleep until it on a timer.
    lunch::todo("rate_limiter::acquire: wait until a token is there for this caller");
    co_return;
  }

 private:
  // TODO: what the bucket holds, and since when.
  double per_second_;
  int burst_;
};
