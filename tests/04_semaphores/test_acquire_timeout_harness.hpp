// The half of test_acquire_timeout.cpp that does not depend on the exercise:
// the waiters, holders and scenarios, compiled once with the course. The
// learner's timed_semaphore comes in behind the small interface below.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace acquire_timeout_harness {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

// A permit of the semaphore under test; destroying it gives it back.
struct permit {
  virtual ~permit() = default;
  virtual void release() = 0;
  virtual bool held() const = 0;  // the permit's operator bool
};
using permit_ptr = std::unique_ptr<permit>;

// The semaphore under test. try_acquire() returns null for "no permit free".
struct semaphore {
  virtual ~semaphore() = default;
  virtual net::awaitable<permit_ptr> acquire() = 0;
  virtual net::awaitable<permit_ptr> acquire_until(clock_type::time_point deadline) = 0;
  virtual permit_ptr try_acquire() = 0;
};
// Makes a semaphore with `permits` permits on `ex`.
using make_semaphore = std::function<std::unique_ptr<semaphore>(net::any_io_executor, std::size_t)>;

// "1, 2, 3": a list of ints for a failure message.
std::string list(const std::vector<int>& v);

// How one acquire_until ended.
struct outcome {
  bool finished = false;
  bool got_permit = false;
  bool timed_out = false;           // system_error with net::error::timed_out
  bool after_deadline = false;      // when it timed out: not early
  std::string thrown = "nothing";   // anything else, in words
};

struct timeout_report {
  outcome waiter;
  bool holder_permit_freed = false;
  std::size_t free_at_end = 0;
};
// acquire_until(now + 50 ms) while the test holds the only permit; then
// whether a permit was free before the holder let go, and how many after.
net::awaitable<void> time_out_behind_holder(make_semaphore make, timeout_report& r);

// acquire_until(now + 3 s) while the only permit is given back after 20 ms:
// how it ended and how long it took.
net::awaitable<void> released_in_time(make_semaphore make, outcome& out, double& took_ms);

struct queue_report {
  outcome first;
  std::vector<int> order;
  std::size_t free_at_end = 0;
  bool later_acquire_ok = false;
};
// The first waiter gives up (its deadline passes, or it is cancelled); a
// plain waiter (2) queued behind it must get the permit when it is given back.
net::awaitable<void> leave_the_queue(make_semaphore make, bool cancel, queue_report& r);

// A waiter with a deadline (1), then a plain waiter (2), behind a holder that
// lets go after 30 ms: the order in which they got the permit.
net::awaitable<void> deadline_waiter_first(make_semaphore make, std::vector<int>& order);

struct tie_report {
  int rounds = 0;
  int got = 0;
  int timed_out = 0;
  std::string other;
  std::vector<std::size_t> free_after;
};
// Six rounds in which the holder's release and the waiter's deadline fall on
// the same instant, each timer armed first in turn; the permits free after each.
net::awaitable<void> many_ties(make_semaphore make, tie_report& r);

}  // namespace acquire_timeout_harness
