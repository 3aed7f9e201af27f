// Demo 01/sequential: awaits in a row add up.
//
// Each `co_await` suspends the coroutine until that one operation is done,
// so N sleeps of L ms awaited one after another take N x L. Starting them
// all first and then waiting for the group takes about L: that is the whole
// point of asynchronous code, and chapter 02 is about doing it well.
//
// Run it with --timeline to see it: the first phase draws a staircase, the
// second a block of bars over the same columns.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/measure.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// `tl` is a reference into a coroutine: safe here because every nap is
// awaited (directly or through the group) before main's timeline goes away.
net::awaitable<void> nap(std::chrono::milliseconds d, lunch::timeline& tl, std::string lane) {
  auto span = tl.span("nap", std::move(lane), "a timer");  // recorded when it ends
  net::steady_timer timer(co_await net::this_coro::executor, d);
  co_await timer.async_wait(net::use_awaitable);
}

net::awaitable<void> one_after_another(int n, std::chrono::milliseconds d, lunch::timeline& tl) {
  lunch::stopwatch sw;
  for (int i = 0; i < n; ++i) {
    std::string lane = "in a row " + std::to_string(i + 1);
    co_await nap(d, tl, std::move(lane));  // suspends here until this nap is over
    std::printf("  nap %d done at %6.0f ms\n", i + 1, sw.ms());
  }
  std::printf("  sequential: %d x %lld ms took %.0f ms\n\n", n,
              static_cast<long long>(d.count()), sw.ms());
}

net::awaitable<void> all_together(int n, std::chrono::milliseconds d, lunch::timeline& tl) {
  auto ex = co_await net::this_coro::executor;
  lunch::stopwatch sw;
  // Preview of chapter 02: `deferred` makes each nap a lazy operation; the
  // parallel group starts them all, then waits for every one.
  std::vector<decltype(net::co_spawn(ex, nap(d, tl, ""), net::deferred))> naps;
  for (int i = 0; i < n; ++i)
    naps.push_back(net::co_spawn(ex, nap(d, tl, "together " + std::to_string(i + 1)), net::deferred));
  co_await net::experimental::make_parallel_group(std::move(naps))
      .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  std::printf("  together:   %d x %lld ms took %.0f ms\n", n,
              static_cast<long long>(d.count()), sw.ms());
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("sequential", "Awaits in a row add up; started together they overlap.");
  int tasks = 3;
  auto latency = 200ms;
  cli.option("--tasks", tasks, "how many naps", 1, 10000)
      .option("--latency", latency, "how long each nap lasts", 0, 10000)
      .offer_timeline();
  cli.parse(argc, argv);
  if (cli.smoke()) {
    tasks = 2;
    latency = 10ms;
  }

  lunch::timeline tl;
  std::printf("%d naps of %lld ms, awaited one after another:\n", tasks,
              static_cast<long long>(latency.count()));
  lunch::run(one_after_another(tasks, latency, tl), {.deadline = 120s, .what = "the sequential naps"});
  std::printf("The same naps, started together and awaited as a group:\n");
  lunch::run(all_together(tasks, latency, tl), {.deadline = 120s, .what = "the grouped naps"});
  lunch::show(cli, tl);  // --timeline draws the spans, --trace FILE saves them
}
