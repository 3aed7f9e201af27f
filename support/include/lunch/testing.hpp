// lunch/testing.hpp: small tools the course's tests share.
//
// Tests in this course check behaviour (did things overlap? was the limit
// respected?) rather than exact timings, so what they need is a stopwatch,
// a CPU-time meter and a way to make threads meet.
#pragma once

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>

namespace lunch {

// Wall-clock time since construction.
class stopwatch {
 public:
  using clock = std::chrono::steady_clock;
  stopwatch() : start_(clock::now()) {}
  clock::duration elapsed() const { return clock::now() - start_; }
  double ms() const {
    return std::chrono::duration<double, std::milli>(elapsed()).count();
  }

 private:
  clock::time_point start_;
};

// CPU time used by the whole process since construction, in milliseconds.
// A busy-waiting implementation burns CPU; a timer-based one does not.
class cpu_meter {
 public:
  cpu_meter() : start_(now()) {}
  double ms() const { return now() - start_; }

 private:
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
  }
  double start_;
};

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
  int arrived() const {
    std::lock_guard lock(m_);
    return arrived_;
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  int expected_;
  int arrived_ = 0;
};

}  // namespace lunch
