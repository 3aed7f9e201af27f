// The half of test_pipeline.cpp that does not depend on the exercise: the
// counting source and sink, compiled once with the course.
#include "test_pipeline_harness.hpp"

#include <boost/asio.hpp>

#include <algorithm>
#include <string>

#include "lunch/watchdog.hpp"

namespace pipeline_harness {

net::awaitable<void> squares_of(pipeline_fn pipeline, int n, std::size_t capacity,
                                int workers, counts& c) {
  lunch::pending p("pipeline() of " + std::to_string(n) + " inputs, queues of " +
                   std::to_string(capacity) + ", " + std::to_string(workers) + " workers");
  auto source = [&c, n]() -> std::optional<int> {
    if (c.pulled == n) return std::nullopt;
    ++c.pulled;
    c.most_inside = std::max(c.most_inside, c.pulled - c.delivered);
    return c.pulled;  // the inputs are 1, 2, ..., n
  };
  auto sink = [&c](int square) {
    ++c.delivered;
    c.squares.push_back(square);
  };
  co_await pipeline(source, sink, capacity, workers);
}

}  // namespace pipeline_harness
