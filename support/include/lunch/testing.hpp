// lunch/testing.hpp: tools for the course's tests, and only for them.
//
// Tests check behaviour (did things overlap? was the limit respected and
// used? did the exception arrive?) rather than exact timings. What they
// share lives here, so a chapter's tests read as the behaviour they pin.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>

#include "lunch/measure.hpp"
#include "lunch/tasks.hpp"
#include "lunch/todo.hpp"

namespace lunch {

// A meeting point for `expected` threads. arrive_and_wait() returns true once
// all have arrived, or false if `limit` passes first. Tests use it to prove
// that tasks really run at the same time: with no overlap, the first to
// arrive waits alone until the limit.
class rendezvous {
 public:
  explicit rendezvous(int expected) : expected_(expected) {}

  bool arrive_and_wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(m_);
    if (++arrived_ >= expected_) cv_.notify_all();
    return cv_.wait_for(lock, limit, [&] { return arrived_ >= expected_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int expected_;
  int arrived_ = 0;
};

// A rendezvous with one deadline for everybody, counted from construction:
// each arrival waits only for what is left of `limit`. Tasks that run one
// after another instead of together then fail within `limit` in all, not
// `limit` each. Arrivals after the first `expected` pass straight through.
class meeting {
 public:
  meeting(int expected, std::chrono::milliseconds limit)
      : rv_(expected), by_(std::chrono::steady_clock::now() + limit) {}

  bool attend() {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        by_ - std::chrono::steady_clock::now());
    return rv_.arrive_and_wait(std::max(left, std::chrono::milliseconds(0)));
  }

 private:
  rendezvous rv_;
  std::chrono::steady_clock::time_point by_;
};

// A task that naps `d` and then throws std::out_of_range(message): a failure
// at a known moment. T is what it would have returned.
template <class T = int>
net::awaitable<T> fail_after(std::chrono::steady_clock::duration d,
                             std::string message) {
  co_await nap(d);
  throw std::out_of_range(message);
}

// A task that counts itself in `running` (an int, or a std::atomic<int> when
// threads share it) for as long as it exists, naps `d` and returns `value`.
// A cancelled or destroyed task counts itself out too, so `running` after a
// join tells whether anything was left behind.
template <class Counter, class T = int>
net::awaitable<T> counted_nap(Counter& running,
                              std::chrono::steady_clock::duration d,
                              T value = T{1}) {
  ++running;
  struct leave {
    Counter& n;
    ~leave() { --n; }
  } on_exit{running};
  co_await nap(d);
  co_return value;
}

// The exception in `e` as words for a failure message: its type and its
// message ("std::out_of_range: task 1 failed"), "nothing" for no exception.
// An unfinished exercise's lunch::todo_error is rethrown instead, so the
// learner sees the TODO itself rather than a test's description of it.
std::string describe(std::exception_ptr e);

// describe() of what `work` threw, or "nothing".
template <class T>
net::awaitable<std::string> what_is_thrown_by(net::awaitable<T> work) {
  std::exception_ptr e;
  try {
    co_await std::move(work);
  } catch (...) {
    e = std::current_exception();
  }
  co_return describe(e);
}

// How a task started with start_cancellable() ended.
struct ending {
  bool done = false;
  std::exception_ptr error;
};

// Starts `task` on `ex` with `cancel` bound to it as its cancellation slot:
// emitting the signal cancels whatever the task is waiting for. `end`
// records how it ended; it and `cancel` must outlive the task.
void start_cancellable(net::any_io_executor ex, net::awaitable<void> task,
                       net::cancellation_signal& cancel, ending& end);

// "cancelled" when the task ended with operation_aborted (or a channel's
// channel_cancelled); otherwise what happened, in words: `returned` when it
// ended without an exception, "had not ended: ..." when it has not ended.
std::string how_it_ended(const ending& end,
                         const std::string& returned = "returned normally, as if nothing had happened");

}  // namespace lunch
