// Shared by watchdog.cpp and run.cpp; not part of the library's interface.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>

namespace lunch::detail {

using clock = std::chrono::steady_clock;

// The deadline report: what did not finish in time, and the work still
// waiting (every live lunch::pending).
std::string format_report(std::string_view what, std::chrono::milliseconds limit);

// Prints the report to stderr after the watchdog's prefix and ends the
// process with protocol::deadline_exit_status.
[[noreturn]] void die(const std::string& report, std::string_view why);

// Waits for `done` or for the deadline, whichever comes first.
class deadline_clock {
 public:
  explicit deadline_clock(std::chrono::milliseconds limit)
      : until_(clock::now() + limit) {}
  // True when finished in time.
  bool wait() {
    std::unique_lock lock(m_);
    return cv_.wait_until(lock, until_, [&] { return done_; });
  }
  bool wait_for(std::chrono::milliseconds extra) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, extra, [&] { return done_; });
  }
  void finish() {
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_all();
  }

 private:
  clock::time_point until_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace lunch::detail
