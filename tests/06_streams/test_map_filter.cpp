// Tests for exercises/06_streams/map_filter.hpp
//
// The source yields 0, 1, 2, ... and counts every value it hands out, so a
// test can tell how far an adaptor pulled it. Few function-object types on
// purpose: each (adaptor, type) pair is one more coroutine to compile.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "map_filter.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;
using net::experimental::coro;

namespace {

struct source_log {
  int pulled = 0;  // values the source has handed out
};

// 0, 1, ..., count-1; throws instead of yielding `fail_at`.
coro<int> numbers([[maybe_unused]] net::any_io_executor ex, source_log& log, int count, int fail_at = -1) {
  for (int i = 0; i < count; ++i) {
    if (i == fail_at)
      throw std::out_of_range("the source failed at value " + std::to_string(i));
    ++log.pulled;
    co_yield i;
  }
}

struct keep_if {  // keeps v when v % mod == rem
  int mod, rem;
  bool operator()(int v) const { return v % mod == rem; }
};
struct times_ten {
  int operator()(int v) const { return v * 10; }
};
struct to_text {
  std::string operator()(int v) const { return "<" + std::to_string(v) + ">"; }
};

// Everything `s` yields as text ("0 10 end"), or what it threw in place of
// the end. Stops after 200 values, in case it never ends.
net::awaitable<std::string> drain(coro<int> s) {
  std::string seen;
  try {
    for (int n = 0; n <= 200; ++n) {
      lunch::pending wait("a pull from the adaptor");
      auto v = co_await s.async_resume(net::use_awaitable);
      if (!v) co_return seen + "end";
      seen += std::to_string(*v) + " ";
    }
    co_return seen + "... (no end after 200 values)";
  } catch (...) {
    co_return seen + lunch::describe(std::current_exception());
  }
}

net::awaitable<std::vector<std::string>> odd_ones_as_text(source_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto texts = map(filter(numbers(ex, log, 10), keep_if{2, 1}), to_text{});
  static_assert(std::is_same_v<decltype(texts), coro<std::string>>,
                "map with a function from int to std::string yields strings");
  co_return co_await collect(std::move(texts));
}

// Pulls two values of map(filter(source)) keeping the even ones; returns
// them and, through `log`, how many source values that took.
net::awaitable<std::string> two_even_tens(source_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto s = map(filter(numbers(ex, log, 50), keep_if{2, 0}), times_ten{});
  std::string got;
  for (int k = 0; k < 2; ++k) {
    lunch::pending wait("pull " + std::to_string(k + 1) + " of map(filter(source))");
    const auto v = co_await s.async_resume(net::use_awaitable);
    got += v ? std::to_string(*v) + " " : "end ";
  }
  co_await lunch::let_others_run();  // room for anything running ahead
  co_return got;
}

net::awaitable<std::string> take_of(int available, std::size_t n, source_log& log) {
  auto ex = co_await net::this_coro::executor;
  co_return co_await drain(take(numbers(ex, log, available), n));
}

net::awaitable<std::string> through_three_adaptors(int count, int fail_at, source_log& log) {
  auto ex = co_await net::this_coro::executor;
  co_return co_await drain(
      take(map(filter(numbers(ex, log, count, fail_at), keep_if{1, 0}), times_ten{}), 8));
}

net::awaitable<std::string> filter_none_of(int count, source_log& log) {
  auto ex = co_await net::this_coro::executor;
  co_return co_await drain(filter(numbers(ex, log, count), keep_if{1000, 999}));
}

}  // namespace

TEST_SUITE("map_filter") {

TEST_CASE("map and filter keep the order, and map changes the item type") {
  source_log log;
  const auto got = lunch::run(odd_ones_as_text(log), {.deadline = 5s, .what = "map(filter(0..9))"});
  std::string seen;
  for (const auto& s : got) seen += s + " ";
  CHECK_MESSAGE(seen == "<1> <3> <5> <7> <9> ",
                "map(to_text, filter(odd, 0..9)) gave: " << seen
                << "(expected the odd values, in order, each turned into text)");
}

TEST_CASE("pulling k values of map(filter(source)) pulls only the source values needed") {
  source_log log;
  const auto got = lunch::run(two_even_tens(log), {.deadline = 5s, .what = "two pulls of map(filter(source))"});
  CHECK_MESSAGE(got == "0 20 ", "two pulls of map(x10, filter(even, 0..49)) gave: " << got
                << "(expected 0 20)");
  CHECK_MESSAGE(log.pulled == 3,
                "two values out took " << log.pulled << " values from the "
                "source; finding the even values 0 and 2 takes exactly 3 "
                "(0, 1, 2). More means an adaptor ran ahead of its consumer "
                "(50 means one collected everything first)");
}

TEST_CASE("take(n) pulls exactly n values from the source, then ends") {
  source_log log;
  const auto three = lunch::run(take_of(100, 3, log), {.deadline = 5s, .what = "take(3) of 0..99"});
  CHECK_MESSAGE(three == "0 1 2 end", "take(3) of 0..99 gave: " << three);
  CHECK_MESSAGE(log.pulled == 3, "take(3) pulled " << log.pulled
                << " values from the source; it needs exactly 3 (a fourth "
                "pull would wait for a value it then throws away)");

  source_log none;
  const auto zero = lunch::run(take_of(100, 0, none), {.deadline = 5s, .what = "take(0) of 0..99"});
  CHECK_MESSAGE(zero == "end", "take(0) gave: " << zero);
  CHECK_MESSAGE(none.pulled == 0, "take(0) pulled " << none.pulled << " values from the source");
}

TEST_CASE("the end of the source is the end of every adaptor over it") {
  source_log log;
  const auto short_take =
      lunch::run(take_of(3, 10, log), {.deadline = 5s, .what = "take(10) of 0..2"});
  CHECK_MESSAGE(short_take == "0 1 2 end",
                "take(10) of a source of three values gave: " << short_take);

  source_log none;
  const auto nothing =
      lunch::run(filter_none_of(20, none), {.deadline = 5s, .what = "filter keeping nothing"});
  CHECK_MESSAGE(nothing == "end", "filter keeping no value of 0..19 gave: " << nothing
                << " (expected an empty stream that ends)");

  source_log all;
  const auto through =
      lunch::run(through_three_adaptors(5, -1, all), {.deadline = 5s, .what = "take(map(filter(0..4)))"});
  CHECK_MESSAGE(through == "0 10 20 30 40 end",
                "take(8, map(x10, filter(all, 0..4))) gave: " << through);
}

TEST_CASE("an exception from the source reaches the consumer through the adaptors") {
  source_log log;
  const auto seen = lunch::run(through_three_adaptors(10, 3, log),
                               {.deadline = 5s, .what = "adaptors over a failing source"});
  CHECK_MESSAGE(seen == "0 10 20 std::out_of_range: the source failed at value 3",
                "take(8, map(x10, filter(all, source))) over a source that "
                "throws at value 3 gave: " << seen << " (expected 0 10 20, "
                "then the source's own exception, not an end)");
}

}  // TEST_SUITE
