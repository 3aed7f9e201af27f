// lunch/measure.hpp: a stopwatch and a CPU-time meter, for demos and tests.
//
// Demos print what they measure; tests compare ratios with wide margins
// (never tight absolute times) and use the CPU meter to catch a wait that
// spins instead of sleeping.
#pragma once

#include <chrono>
#include <ctime>

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

}  // namespace lunch
