// Demo 02/scaling: the cost of waiting for n tasks grows with n, not n².
//
// An early futures-rs `join_all` polled every one of its futures each time
// any of them woke up: n wake-ups times n polls. Asio does not poll. A task
// that finishes calls its own completion handler once; in a parallel group,
// that handler fills the task's own slot and counts down one shared counter.
// So the time per task should stay about the same from 10 tasks to 100000.
//
// The right-hand columns simulate the old way for contrast: the same tasks,
// but every completion looks at all n tasks to see whether they are done.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/measure.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// About the smallest asynchronous operation there is: suspend, and let the
// event loop resume us.
net::awaitable<void> yield_once() {
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

// Each returns its own time in ms, so that making the event loop (and the
// watchdog thread lunch::run starts) is not counted.
net::awaitable<double> group_of(int n) {
  auto ex = co_await net::this_coro::executor;
  lunch::stopwatch sw;
  std::vector<decltype(net::co_spawn(ex, yield_once(), net::deferred))> ops;
  ops.reserve(std::size_t(n));
  for (int i = 0; i < n; ++i) ops.push_back(net::co_spawn(ex, yield_once(), net::deferred));
  co_await net::experimental::make_parallel_group(std::move(ops))
      .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  co_return sw.ms();
}

// The old join_all's shape: on every completion, check every task again.
net::awaitable<double> recheck_all(int n) {
  auto ex = co_await net::this_coro::executor;
  lunch::stopwatch sw;
  std::vector<char> done(std::size_t(n), 0);
  // A timer that never expires on its own, cancelled to wake us up: Asio's
  // stand-in for a condition variable.
  net::steady_timer all_done(ex, net::steady_timer::time_point::max());
  for (int i = 0; i < n; ++i) {
    auto finished = [&done, &all_done, i](std::exception_ptr) {
      done[std::size_t(i)] = 1;
      if (std::count(done.begin(), done.end(), 1) == std::ssize(done)) all_done.cancel();
    };
    net::co_spawn(ex, yield_once(), finished);
  }
  // Cancelled is the good news here; as_tuple keeps it from throwing.
  co_await all_done.async_wait(net::as_tuple(net::use_awaitable));
  co_return sw.ms();
}

double time_ms(net::awaitable<double> work) {
  return lunch::run(std::move(work), {.deadline = 300s, .what = "the tasks"});
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("scaling", "Waiting for n tasks costs O(n), not O(n^2).");
  int max = 100000, recheck_max = 10000;
  cli.option("--max", max, "largest number of tasks", 10, 1000000)
      .option("--recheck-max", recheck_max,
              "largest n for the re-check-everything simulation", 10, 100000);
  cli.parse(argc, argv);
  if (cli.smoke()) {
    max = 100;
    recheck_max = 100;
  }

  std::printf("%8s | %-26s | %s\n", "", "parallel group (Asio)",
              "re-check all n on each wake-up");
  std::printf("%8s | %11s %14s | %11s %14s\n", "tasks", "total", "per task",
              "total", "per task");
  // Unprinted warm-up: the very first run also pays for page faults and for
  // filling Asio's recycling allocators, which would make n = 10 look slow.
  time_ms(group_of(1000));
  double last_recheck_ms = 0;
  int last_recheck_n = 0;
  for (int n = 10; n <= max; n *= 10) {
    const double g = time_ms(group_of(n));
    std::printf("%8d | %8.2f ms %11.0f ns |", n, g, g * 1e6 / n);
    if (n <= recheck_max) {
      last_recheck_ms = time_ms(recheck_all(n));
      last_recheck_n = n;
      std::printf(" %8.2f ms %11.0f ns\n", last_recheck_ms, last_recheck_ms * 1e6 / n);
    } else {
      const double scale = double(n) / last_recheck_n;
      std::printf("  skipped: would take about %.0f s\n",
                  last_recheck_ms * scale * scale / 1000);
    }
  }
  std::printf("\nPer task, the left side stays flat: total time grows linearly. "
              "On the right,\neach wake-up costs O(n), so once n is large the "
              "cost per task grows with n:\ntotal time grows quadratically.\n");
}
