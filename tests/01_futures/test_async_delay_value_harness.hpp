// The half of test_async_delay_value.cpp that does not depend on the
// exercise: the coroutines that await it, the callback that records its
// calls, a loop on a thread of its own. It is compiled once, with the
// course, so that `lunch check async_delay_value` compiles only the test
// cases and the learner's file. The operation comes in as a plain function.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "lunch/measure.hpp"

namespace async_delay_value_harness {

namespace net = boost::asio;
using boost::system::error_code;

// The code under test with use_awaitable:
// async_delay_value(ex, delay, value, net::use_awaitable).
using delay_fn = std::function<net::awaitable<std::string>(net::any_io_executor,
                                                           std::chrono::milliseconds, std::string)>;

// co_awaits one delay of `d` that gives `s`, on a fresh loop; what it gave.
// Deadline 5 s.
std::string one_delay(const delay_fn& delay, std::chrono::milliseconds d, std::string s);

// One delay of 0 ms alone, then four of 100 ms at once ("value 0" to
// "value 3" into got[0..3]); the first exception of the four is rethrown.
// Deadline 5 s.
void four_at_once(const delay_fn& delay, std::string (&got)[4]);

// How a callback was called: how often, with what, when, and where.
struct calls {
  int count = 0;
  error_code ec = boost::asio::error::fault;
  int value = 0;
  lunch::stopwatch clock;
  double at_ms = -1;  // on clock
  net::io_context* home = nullptr;
  bool ran_at_home = false;
};

// The callback: writes down each call. One handler type for every callback
// test: each distinct completion token is one more instantiation of the
// exercise.
struct record {
  calls* c;
  void operator()(error_code ec, int v) const;
};

// An io_context run by a background thread, stopped and joined on scope exit
// even when a check throws (a joinable std::thread would terminate).
struct background_loop {
  net::io_context ctx;
  net::executor_work_guard<net::io_context::executor_type> work;
  std::thread thread;
  background_loop();
  ~background_loop();
};

}  // namespace async_delay_value_harness
