// The half of test_buffered.cpp that does not depend on the exercise: the
// jobs, the stream that hands them out and the consumer, compiled once with
// the course. The learner's buffered() comes in as a plain function.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace buffered_harness {

namespace net = boost::asio;
using ms = std::chrono::milliseconds;
using net::experimental::coro;

// The code under test: buffered(tasks, n).
using adaptor_fn = std::function<coro<int>(coro<net::awaitable<int>>, std::size_t)>;

// What the jobs saw while they ran.
struct probe {
  int started = 0;
  int running = 0;
  int peak = 0;
  std::string log;  // "-3" when job 3 ends, "got3" when the consumer gets it
  int running_at_throw = -1;  // jobs running when the consumer caught
};

// Jobs with the given durations, n at a time through the adaptor; job
// `failing` (if any) throws. Job i returns i. What the consumer got, as text
// ("0 1 2"), and what was thrown instead of the end, if anything
// ("0 std::out_of_range: task 1 failed").
net::awaitable<std::string> run_jobs(adaptor_fn adaptor, probe& p, std::vector<ms> durations,
                                     std::size_t n, int failing = -1);

}  // namespace buffered_harness
