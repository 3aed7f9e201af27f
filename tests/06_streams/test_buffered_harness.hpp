// The half of test_buffered.cpp that does not depend on the exercise. The
// jobs, the stream that hands them out and the consumer are
// buffer_unordered's (test_buffer_unordered_harness.cpp): the two adaptors
// differ only in the order of their results. The learner's buffered() comes
// in as a plain function.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "test_buffer_unordered_harness.hpp"

namespace buffered_harness {

namespace net = boost::asio;
using buffer_unordered_harness::adaptor_fn;
using buffer_unordered_harness::coro;
using buffer_unordered_harness::ms;

// What the jobs saw while they ran, and how many were still running when
// the consumer caught an exception.
struct probe : buffer_unordered_harness::probe {
  int running_at_throw = -1;
};

// Jobs with the given durations, n at a time through the adaptor; job
// `failing` (if any) throws. Job i returns i. What the consumer got, as text
// ("0 1 2"), and what was thrown instead of the end, if anything
// ("0 std::out_of_range: task 1 failed").
net::awaitable<std::string> run_jobs(adaptor_fn adaptor, probe& p, std::vector<ms> durations,
                                     std::size_t n, int failing = -1);

}  // namespace buffered_harness
