// Demo 01/sequential: awaits in a row add up.
//
// Each `co_await` suspends the coroutine until that one operation is done,
// so N sleeps of L ms awaited one after another take N x L. Starting them
// all first and then waiting for the group takes about L: that is the whole
// point of asynchronous code, and chapter 02 is about doing it well.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

net::awaitable<void> nap(std::chrono::milliseconds d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  co_await timer.async_wait(net::use_awaitable);
}

net::awaitable<void> one_after_another(int n, std::chrono::milliseconds d) {
  lunch::stopwatch sw;
  for (int i = 0; i < n; ++i) {
    co_await nap(d);  // suspends here until this nap is over
    std::printf("  nap %d done at %6.0f ms\n", i + 1, sw.ms());
  }
  std::printf("  sequential: %d x %lld ms took %.0f ms\n\n", n,
              static_cast<long long>(d.count()), sw.ms());
}

net::awaitable<void> all_together(int n, std::chrono::milliseconds d) {
  auto ex = co_await net::this_coro::executor;
  lunch::stopwatch sw;
  // Preview of chapter 02: `deferred` makes each nap a lazy operation; the
  // parallel group starts them all, then waits for every one.
  std::vector<decltype(net::co_spawn(ex, nap(d), net::deferred))> naps;
  for (int i = 0; i < n; ++i) naps.push_back(net::co_spawn(ex, nap(d), net::deferred));
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
      .option("--latency", latency, "how long each nap lasts", 0, 10000);
  cli.parse(argc, argv);
  if (cli.smoke()) {
    tasks = 2;
    latency = 10ms;
  }

  std::printf("%d naps of %lld ms, awaited one after another:\n", tasks,
              static_cast<long long>(latency.count()));
  lunch::run(one_after_another(tasks, latency), {.deadline = 120s, .what = "the sequential naps"});
  std::printf("The same naps, started together and awaited as a group:\n");
  lunch::run(all_together(tasks, latency), {.deadline = 120s, .what = "the grouped naps"});
}
