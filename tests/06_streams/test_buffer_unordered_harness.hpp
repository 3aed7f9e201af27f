// The half of test_buffer_unordered.cpp that does not depend on the exercise: the
// jobs, the stream that hands them out and the consumer, compiled once with
// the course. The learner's buffer_unordered() comes in as a plain function.
// buffered's tests run the very same jobs (test_buffered_harness.hpp).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace buffer_unordered_harness {

namespace net = boost::asio;
using ms = std::chrono::milliseconds;
using net::experimental::coro;

// The code under test: buffer_unordered(tasks, n), or buffered(tasks, n).
using adaptor_fn = std::function<coro<int>(coro<net::awaitable<int>>, std::size_t)>;

// What the jobs saw while they ran.
struct probe {
  int started = 0;
  int running = 0;
  int peak = 0;
  std::string log;  // "-3" when job 3 ends, "got3" when the consumer gets it
};

// What the consumer saw: the results in the order it got them, and what it
// caught instead of the end, if anything.
struct outcome {
  std::vector<int> got;
  std::string thrown = "nothing";
  int running_at_throw = -1;  // jobs still running when it caught
};

// Jobs with the given durations, n at a time through the adaptor; job
// `failing` (if any) throws. Job i returns i. `name` is the adaptor's, for
// the watchdog's report if the consumer waits forever.
net::awaitable<outcome> run_jobs(adaptor_fn adaptor, probe& p, std::vector<ms> durations,
                                 std::size_t n, int failing = -1,
                                 std::string name = "buffer_unordered");

// "1 2 3": the results, for a failure message.
std::string joined(const std::vector<int>& v);

}  // namespace buffer_unordered_harness
