// Tests for exercises/06_streams/generator.hpp
//
// produce(i) counts itself in `produced` the moment it starts, then naps, so
// every value costs a real asynchronous wait and a producer that runs ahead
// of the consumer shows in the counter at once. The tests pull by hand and
// look at the counter between pulls.
#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "generator.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;
using net::experimental::coro;

namespace {

struct producer {
  int produced = 0;  // calls of produce(i) so far
  int fail_at = -1;  // produce(fail_at) throws
};

net::awaitable<int> square(producer& p, int i) {
  ++p.produced;
  co_await lunch::nap(1ms);
  if (i == p.fail_at)
    throw std::out_of_range("produce(" + std::to_string(i) + ") failed");
  co_return i * i;
}

coro<int> squares(net::any_io_executor ex, int count, producer& p) {
  // Not a coroutine itself: it only builds the stream under test.
  return generate<int>(ex, count, [&p](int i) { return square(p, i); });
}

// Everything the stream yields, as text ("0 1 4 end"), or what it threw in
// place of the end. Stops after `limit` values, in case it never ends.
net::awaitable<std::string> drain(coro<int>& s, int limit = 20) {
  std::string seen;
  try {
    for (int n = 0; n <= limit; ++n) {
      lunch::pending wait("a pull from the generator");
      auto v = co_await s.async_resume(net::use_awaitable);
      if (!v) co_return seen + "end";
      seen += std::to_string(*v) + " ";
    }
    co_return seen + "... (no end after " + std::to_string(limit) + " values)";
  } catch (...) {
    co_return seen + lunch::describe(std::current_exception());
  }
}

net::awaitable<std::string> all_of(int count, producer& p) {
  auto s = squares(co_await net::this_coro::executor, count, p);
  co_return co_await drain(s);
}

// The counter before the first pull and after each of three pulls, with
// time in between for a producer that runs ahead to do so.
net::awaitable<std::string> produced_after_each_pull(producer& p) {
  auto s = squares(co_await net::this_coro::executor, 10, p);
  co_await lunch::let_others_run();
  std::string counts = std::to_string(p.produced);
  for (int k = 1; k <= 3; ++k) {
    lunch::pending wait("pull " + std::to_string(k) + " from the generator");
    const auto v = co_await s.async_resume(net::use_awaitable);
    co_await lunch::let_others_run();
    counts += " " + std::to_string(p.produced);
    if (!v) break;
  }
  co_return counts;
}

}  // namespace

TEST_SUITE("generator") {

TEST_CASE("the consumer gets the values in order, then the end") {
  producer p;
  const auto seen = lunch::run(all_of(5, p), {.deadline = 5s, .what = "pulling 5 values"});
  CHECK_MESSAGE(seen == "0 1 4 9 16 end",
                "pulling until the end gave: " << seen
                << " (expected produce(0) .. produce(4), which are 0 1 4 9 "
                "16, then the end)");
}

TEST_CASE("the producer runs only as far as the consumer pulls") {
  producer p;
  const auto counts = lunch::run(produced_after_each_pull(p),
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
  const auto seen = lunch::run(all_of(5, p), {.deadline = 5s, .what = "pulling until produce(2) throws"});
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
  const auto seen = lunch::run(all_of(0, p), {.deadline = 5s, .what = "pulling an empty stream"});
  CHECK_MESSAGE(seen == "end", "an empty stream gave: " << seen);
  CHECK_MESSAGE(p.produced == 0, "produce was called " << p.produced << " times for count == 0");
}

}  // TEST_SUITE
