// The half of test_sleep_for.cpp that does not depend on the exercise: the
// coroutine that runs beside a sleep, and the loop that cancels one. It is
// compiled once, with the course, so that `lunch check sleep_for` compiles
// only the test cases and the learner's file. sleep_for comes in as a plain
// function.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <exception>
#include <functional>

namespace sleep_for_harness {

namespace net = boost::asio;

// The code under test: sleep_for(d).
using sleep_fn = std::function<net::awaitable<void>(std::chrono::steady_clock::duration)>;

struct beside {
  double other_started_ms = -1;  // when the other coroutine ran
  double took_ms = -1;           // when both had finished
};
// On one thread, sleep_for(100ms) starts, then a coroutine that only notes
// when it runs. Deadline 5 s.
beside sleep_beside_another(const sleep_fn& sleep_for);

// How a cancelled sleep ended, and when.
struct ending {
  std::exception_ptr error;
  bool ended = false;
  double ms = -1;
  bool aborted = false;  // error is a system_error of operation_aborted
};
// sleep_for(1s), cancelled (terminal) through its completion handler's slot
// after 20 ms. Deadline 5 s.
ending a_cancelled_sleep(const sleep_fn& sleep_for);

}  // namespace sleep_for_harness
