// Tests for exercises/04_semaphores/rate_limit.hpp
//
// The test records when each caller got through, in ms since just before
// the limiter was made. Timers never fire early, so "no more than B + R*t
// by time t" can be checked closely; everything that a busy machine could
// make late is checked with wide margins or as a ratio.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <string>
#include <vector>

#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "rate_limit.hpp"

using namespace std::chrono_literals;

using lunch::task_group;

namespace {

struct start_log {
  lunch::stopwatch since_made;  // reset just before the limiter is made
  std::vector<int> order;
  std::vector<double> at_ms;    // in the order they started
  double cpu_ms = 0;            // used while callers waited
  double wait_ms = 0;
};

net::awaitable<void> start_one(rate_limiter& limiter, int id, start_log& log) {
  lunch::pending p("caller " + std::to_string(id) + " waits for a token");
  co_await limiter.acquire();
  log.order.push_back(id);
  log.at_ms.push_back(log.since_made.ms());
}

// `callers` call acquire() in the order of their ids, all at once.
net::awaitable<void> burst_of_callers(rate_limiter& limiter, int first_id, int callers,
                                      start_log& log) {
  auto ex = co_await net::this_coro::executor;
  task_group group(ex);
  for (int i = 0; i < callers; ++i) group.spawn(start_one(limiter, first_id + i, log));
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  co_await group.wait();
  log.cpu_ms = cpu.ms();
  log.wait_ms = sw.ms();
}

net::awaitable<void> fifteen_callers(start_log& log) {
  log.since_made = {};
  rate_limiter limiter(20, 5);
  co_await burst_of_callers(limiter, 0, 15, log);
}

// Three at once, a pause long enough for 5 tokens (the bucket keeps only 3),
// six more.
net::awaitable<void> pause_then_more(start_log& log, double& second_batch_at) {
  log.since_made = {};
  rate_limiter limiter(20, 3);
  co_await burst_of_callers(limiter, 0, 3, log);
  co_await lunch::nap(250ms);
  second_batch_at = log.since_made.ms();
  co_await burst_of_callers(limiter, 3, 6, log);
}

std::string list(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += (s.empty() ? "" : ", ") + std::to_string(static_cast<int>(x));
  return s;
}

}  // namespace

TEST_SUITE("rate_limit") {

TEST_CASE("20 per second with bursts of 5: 15 callers start 5 at once, then 50 ms apart") {
  start_log log;
  lunch::run(fifteen_callers(log), {.deadline = 5s, .what = "15 callers at 20/s, burst 5"});
  REQUIRE(log.at_ms.size() == 15);
  INFO("start times (ms): " << list(log.at_ms));

  std::vector<int> in_order;
  for (int i = 0; i < 15; ++i) in_order.push_back(i);
  CHECK_MESSAGE(log.order == in_order, "callers started in another order than they called "
                "acquire(): first come, first served");

  // Never ahead of the bucket: the k-th start needs k tokens, and by t ms
  // only 5 + 20 * t / 1000 exist (1 ms of slack for rounding).
  for (int k = 1; k <= 15; ++k) {
    const double earliest = (k - 5) * 50.0 - 1;
    CHECK_MESSAGE(log.at_ms[k - 1] >= earliest, "start number " << k << " came at "
                  << log.at_ms[k - 1] << " ms, but at 20/s with a burst of 5 it may not "
                  "come before " << earliest + 1 << " ms");
  }
  // A full bucket: the first 5 start together, while the other 10 are spread
  // over about half a second.
  const double first_five = log.at_ms[4] - log.at_ms[0];
  const double rest = log.at_ms[14] - log.at_ms[4];
  CHECK_MESSAGE(first_five < 0.25 * rest, "the first 5 starts were spread over "
                << first_five << " ms, the next 10 over " << rest << " ms: a full "
                "bucket lets 5 start at once");
  CHECK_MESSAGE(log.at_ms[14] < 800, "the last of 15 started at " << log.at_ms[14]
                << " ms; at 20/s with a burst of 5 that is due at 500 ms");
  // Sleeping callers cost well under 1% of a core; a spinning one takes all
  // it can get, which on a busy machine may be only a fraction of a core.
  CHECK_MESSAGE(log.cpu_ms < 0.1 * log.wait_ms, "the process used " << log.cpu_ms
                << " ms of CPU in " << log.wait_ms << " ms while callers waited: they "
                "are spinning");
}

TEST_CASE("an idle bucket fills up again, but never beyond the burst") {
  start_log log;
  double second_batch_at = 0;
  lunch::run(pause_then_more(log, second_batch_at),
             {.deadline = 5s, .what = "3 callers, a 250 ms pause, 6 more, at 20/s burst 3"});
  REQUIRE(log.at_ms.size() == 9);
  INFO("start times (ms): " << list(log.at_ms) << "; the second batch called at "
       << static_cast<int>(second_batch_at) << " ms");
  int at_once = 0;  // of the second batch, within 40 ms of its call
  for (int k = 3; k < 9; ++k) at_once += log.at_ms[k] - second_batch_at < 40;
  CHECK_MESSAGE(at_once >= 3, "after 250 ms idle (enough for 5 tokens, capped at 3), only "
                << at_once << " of 6 new callers started at once: the bucket did not refill");
  CHECK_MESSAGE(at_once <= 3, "after 250 ms idle, " << at_once << " of 6 new callers "
                "started at once: a bucket holds at most 3 tokens (the burst), however "
                "long it was idle");
}

}  // TEST_SUITE
