// The half of test_pipeline.cpp that does not depend on the exercise: the
// source() and sink() that count what goes in and comes out, around one run
// of the pipeline. It is compiled once, with the course, so that `lunch
// check pipeline` compiles only the test cases and the learner's file. The
// pipeline comes in as a plain function.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace pipeline_harness {

namespace net = boost::asio;

// The code under test: pipeline(source, sink, capacity, workers).
using pipeline_fn = std::function<net::awaitable<void>(
    std::function<std::optional<int>()>, std::function<void(int)>, std::size_t, int)>;

struct counts {
  int pulled = 0;          // inputs taken from source()
  int delivered = 0;       // results handed to sink()
  int most_inside = 0;     // the peak of pulled - delivered
  std::vector<int> squares;
};

// Runs pipeline() on the inputs 1, 2, ..., n with queues of `capacity` and
// `workers` workers, counting into `c` as it goes (so a deadlock leaves the
// counts where they stopped).
net::awaitable<void> squares_of(pipeline_fn pipeline, int n, std::size_t capacity,
                                int workers, counts& c);

}  // namespace pipeline_harness
