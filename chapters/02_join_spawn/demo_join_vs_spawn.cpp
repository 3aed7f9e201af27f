// Demo 02/join_vs_spawn: joined tasks share a thread, spawned tasks share a pool.
//
// Every task waits for "I/O" (a timer) and then computes for a while (a busy
// loop). The same tasks run three ways:
//   sequential  one co_await after another:   N x (latency + cpu)
//   joined      a parallel group on main:     latency + N x cpu
//               (the waits overlap; the computing takes turns on one thread)
//   spawned     co_spawn onto a thread pool:  latency + N x cpu / threads
// Joining and spawning differ in one argument: the executor each task runs on.
//
// With --timeline, each phase is drawn on its own scale, a row per task
// (waiting: for the I/O, then for a free thread; running: computing), and
// the whole run at the end with a row per thread: who did the computing.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/measure.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

struct settings { ms latency, cpu; };

// Busy on purpose: this is work that holds its thread, unlike the timer.
void compute(ms how_long) {
  const auto until = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < until) {
  }
}

// One task, in its own lane of the timeline: it waits for its I/O, then
// (once its timer has fired) for a thread to resume it on, then computes.
// The second wait is the interesting one: nil when the task has a thread to
// itself, long when many tasks take turns on one. Returns the thread it
// computed on (lunch::thread_index: 1, 2, ... in order of first use).
// `tl` is a reference: fine, because every caller awaits this task before
// the timeline goes away.
net::awaitable<int> task(std::string lane, settings how, lunch::timeline& tl) {
  const auto start = tl.now();
  const int started_on = lunch::thread_index();
  net::steady_timer io(co_await net::this_coro::executor, how.latency);
  co_await io.async_wait(net::use_awaitable);  // the thread is free here
  const auto resumed = tl.now();
  const auto fired = std::min<std::chrono::nanoseconds>(start + how.latency, resumed);
  tl.add({.name = "I/O", .lane = lane, .waiting_on = "the I/O (a timer)",
          .thread = started_on, .start = start, .end = fired});
  tl.add({.name = "ready", .lane = lane, .waiting_on = "a free thread",
          .thread = lunch::thread_index(), .start = fired, .end = resumed});
  auto computing = tl.span("compute", std::move(lane));
  compute(how.cpu);  // ...and not here
  co_return lunch::thread_index();
}

std::string lane_of(const char* phase, std::size_t i) {
  return phase + (" " + std::to_string(i + 1));
}

net::awaitable<std::vector<int>> sequential(int n, settings how, lunch::timeline& tl) {
  std::vector<int> threads;
  for (std::size_t i = 0; i < std::size_t(n); ++i)
    threads.push_back(co_await task(lane_of("seq", i), how, tl));
  co_return threads;
}

// Runs `t` on `where` and resumes on our own executor afterwards. This
// wrapper, and so the parallel group that launches it, stays on our
// executor: a group completed from several pool threads at once is what
// asio #1348 warns about (the spawn_all exercise does the same).
net::awaitable<int> on(net::any_io_executor where, net::awaitable<int> t) {
  co_return co_await net::co_spawn(where, std::move(t), net::use_awaitable);
}

// Every task at once, each on `where`: our own executor joins, a pool's
// spawns. Returns the thread each task computed on, in input order.
net::awaitable<std::vector<int>> all_at_once(net::any_io_executor where, const char* phase,
                                             int n, settings how, lunch::timeline& tl) {
  auto here = co_await net::this_coro::executor;
  using op = decltype(net::co_spawn(
      here, on(where, std::declval<net::awaitable<int>>()), net::deferred));
  std::vector<op> ops;
  for (std::size_t i = 0; i < std::size_t(n); ++i)
    ops.push_back(net::co_spawn(here, on(where, task(lane_of(phase, i), how, tl)), net::deferred));
  auto [order, errors, threads] =
      co_await net::experimental::make_parallel_group(std::move(ops))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  for (std::size_t i : order)
    if (errors[i]) std::rethrow_exception(errors[i]);  // never let a failure go unseen
  co_return threads;
}

net::awaitable<std::vector<int>> joined(int n, settings how, lunch::timeline& tl) {
  auto here = co_await net::this_coro::executor;
  co_return co_await all_at_once(here, "join", n, how, tl);
}

// The total, and the thread each task computed on.
void report(const char* name, double total, double predicted, const std::vector<int>& threads) {
  std::printf("%-10s %6.0f ms   (predicted %4.0f)   threads:", name, total, predicted);
  for (int t : threads) std::printf(" %d", t);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("join_vs_spawn",
                      "Joined tasks share one thread; spawned tasks share a pool.");
  int tasks = 10, threads = 2;
  ms latency = 100ms, cpu = 20ms;
  cli.option("--tasks", tasks, "how many tasks", 1, 200)
      .option("--latency", latency, "each task's I/O wait", 0, 10000)
      .option("--cpu", cpu, "each task's computing", 0, 1000)
      .option("--threads", threads, "threads in the pool", 1, 64)
      .offer_timeline();
  cli.parse(argc, argv);
  if (cli.smoke()) {
    tasks = 3;
    latency = 10ms;
    cpu = 2ms;
  }
  const int main_thread = lunch::thread_index();  // asks first, so it is thread 1
  const settings how{latency, cpu};
  const double L = double(latency.count()), C = double(cpu.count());
  std::printf("%d tasks: each waits %.0f ms for I/O, then computes %.0f ms. "
              "Pool: %d threads.\n(Thread %d runs main(); the pool's threads are "
              "numbered as they start.)\n\n", tasks, L, C, threads, main_thread);

  net::thread_pool pool{std::size_t(threads)};
  lunch::timeline tl;
  auto measure = [&](const char* name, auto start, double predicted) {
    const std::size_t first_span = tl.size();
    lunch::stopwatch sw;
    const auto computed_on = lunch::run(start(), {.deadline = 600s, .what = name});
    report(name, sw.ms(), predicted, computed_on);
    if (!cli.timeline()) return;
    // This phase alone, on its own scale: a row per task.
    const auto spans = tl.spans();
    const std::vector<lunch::span_record> phase(spans.begin() + std::ptrdiff_t(first_span),
                                                spans.end());
    std::fputs(lunch::render_timeline(phase).c_str(), stdout);
    std::printf("\n");
  };
  measure("sequential", [&] { return sequential(tasks, how, tl); }, tasks * (L + C));
  measure("joined", [&] { return joined(tasks, how, tl); }, L + tasks * C);
  measure("spawned", [&] { return all_at_once(pool.get_executor(), "spawn", tasks, how, tl); },
          L + tasks * C / threads);
  pool.join();

  // The whole run, a row per thread: who did the computing.
  if (cli.timeline()) std::printf("The whole run, one row per thread:\n");
  lunch::show(cli, tl, {.by_thread = true});
}
