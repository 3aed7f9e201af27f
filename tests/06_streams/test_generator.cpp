// Tests for exercises/06_streams/generator.hpp
//
// produce(i) counts itself in `produced` the moment it starts, then naps, so
// every value costs a real asynchronous wait and a producer that runs ahead
// of the consumer shows in the counter at once. The tests pull by hand and
// look at the counter between pulls. The producer and the pulls are in
// test_generator_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <utility>

#include "generator.hpp"
#include "lunch/run.hpp"
#include "test_generator_harness.hpp"

using namespace std::chrono_literals;
using namespace generator_harness;

namespace {

coro<int> under_test(net::any_io_executor ex, int count,
                     std::function<net::awaitable<int>(int)> produce) {
  return generate<int>(std::move(ex), count, std::move(produce));
}

}  // namespace

TEST_SUITE("generator") {

TEST_CASE("the consumer gets the values in order, then the end") {
  producer p;
  const auto seen = lunch::run(all_of(under_test, 5, p), {.deadline = 5s, .what = "pulling 5 values"});
  CHECK_MESSAGE(seen == "0 1 4 9 16 end",
                "pulling until the end gave: " << seen
                << " (expected produce(0) .. produce(4), which are 0 1 4 9 "
                "16, then the end)");
}

TEST_CASE("the producer runs only as far as the consumer pulls") {
  producer p;
  const auto counts = lunch::run(produced_after_each_pull(under_test, p),
                                 {.deadline = 5s, .what = "pulling 3 of 10 values"});
  CHECK_MESSAGE(counts == "0 1 2 3",
                "values produced before the first pull and after pulls 1, "
                "2, 3: " << counts << " (expected 0 1 2 3: the generator must "
                "not start before it is pulled, nor produce value k+1 while "
                "the consumer has asked for k)");
}

TEST_CASE("an exception in the producer reaches the consumer at that value") {
  producer p;
  p.fail_at = 2;
  const auto seen = lunch::run(all_of(under_test, 5, p), {.deadline = 5s, .what = "pulling until produce(2) throws"});
  CHECK_MESSAGE(seen == "0 1 std::out_of_range: produce(2) failed",
                "pulling a stream whose produce(2) throws gave: " << seen
                << " (expected 0 1, then the std::out_of_range of produce(2) "
                "thrown by the third pull, not an end)");
  CHECK_MESSAGE(p.produced == 3,
                "produce was called " << p.produced << " times; after it "
                "threw at value 2 nothing more should have been produced");
}

TEST_CASE("a stream of zero values ends at the first pull and produces nothing") {
  producer p;
  const auto seen = lunch::run(all_of(under_test, 0, p), {.deadline = 5s, .what = "pulling an empty stream"});
  CHECK_MESSAGE(seen == "end", "an empty stream gave: " << seen);
  CHECK_MESSAGE(p.produced == 0, "produce was called " << p.produced << " times for count == 0");
}

}  // TEST_SUITE
