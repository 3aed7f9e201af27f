// Demo 02/join_vs_spawn: joined tasks share a thread, spawned tasks share a pool.
//
// Every task waits for "I/O" (a timer) and then computes for a while (a busy
// loop). The same tasks run three ways:
//   sequential  one co_await after another:   N x (latency + cpu)
//   joined      a parallel group on main:     latency + N x cpu
//               (the waits overlap; the computing takes turns on one thread)
//   spawned     co_spawn onto a thread pool:  latency + N x cpu / threads
// Joining and spawning differ in one argument: the executor each task runs on.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/measure.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

// Short names for threads, in order of first use: the thread running main()
// asks first, so it is "main"; pool threads become p1, p2, ...
std::string thread_name() {
  static std::mutex m;
  static std::map<std::thread::id, int> ids;
  std::lock_guard lock(m);
  const int n = ids.emplace(std::this_thread::get_id(), int(ids.size())).first->second;
  return n == 0 ? "main" : "p" + std::to_string(n);
}

// What one task did, in ms since its run began. Each task writes only its
// own entry, and the caller reads them after awaiting every task.
struct span {
  double start = 0, io_done = 0, end = 0;
  std::string thread;
};

struct settings { ms latency, cpu; };

// Busy on purpose: this is work that holds its thread, unlike the timer.
void compute(ms how_long) {
  const auto until = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < until) {
  }
}

net::awaitable<void> task(span& s, const lunch::stopwatch& sw, settings how) {
  s.start = sw.ms();
  net::steady_timer io(co_await net::this_coro::executor, how.latency);
  co_await io.async_wait(net::use_awaitable);  // the thread is free here
  s.io_done = sw.ms();
  s.thread = thread_name();
  compute(how.cpu);  // ...and not here
  s.end = sw.ms();
}

// Runs `t` on `where` and resumes on our own executor afterwards.
net::awaitable<void> on(net::any_io_executor where, net::awaitable<void> t) {
  co_await net::co_spawn(where, std::move(t), net::use_awaitable);
}

net::awaitable<void> sequential(std::vector<span>& spans, settings how) {
  lunch::stopwatch sw;
  for (auto& s : spans) co_await task(s, sw, how);
}

// Every task at once, each on `where`: our own executor joins, a pool's spawns.
net::awaitable<void> all_at_once(net::any_io_executor where,
                                 std::vector<span>& spans, settings how) {
  auto here = co_await net::this_coro::executor;
  lunch::stopwatch sw;
  using op = decltype(net::co_spawn(
      here, on(where, std::declval<net::awaitable<void>>()), net::deferred));
  std::vector<op> ops;
  for (auto& s : spans)
    ops.push_back(net::co_spawn(here, on(where, task(s, sw, how)), net::deferred));
  auto [order, errors] =
      co_await net::experimental::make_parallel_group(std::move(ops))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);  // never let a failure go unseen
}

net::awaitable<void> joined(std::vector<span>& spans, settings how) {
  co_await all_at_once(co_await net::this_coro::executor, spans, how);
}

// The total, the thread each task computed on, and with --timeline one row
// per task, 60 columns wide: '.' waiting (for the I/O, then for a free
// thread), '#' computing.
void report(const char* name, const std::vector<span>& spans, double total,
            double predicted, bool timeline) {
  std::printf("%-10s %6.0f ms   (predicted %4.0f)   threads:", name, total, predicted);
  for (const auto& s : spans) std::printf(" %s", s.thread.c_str());
  std::printf("\n");
  if (!timeline) return;
  const double per_col = total / 60;
  std::printf("    (one column = %.1f ms; '.' waiting: for the I/O, then for a thread;"
              " '#' computing)\n", per_col);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    std::string row(60, ' ');
    for (int c = 0; c < 60; ++c) {
      const double t = (c + 0.5) * per_col;
      if (t >= spans[i].start && t < spans[i].io_done) row[c] = '.';
      if (t >= spans[i].io_done && t < spans[i].end) row[c] = '#';
    }
    std::printf("    task %2zu %-4s |%s|\n", i, spans[i].thread.c_str(), row.c_str());
  }
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
      .option("--threads", threads, "threads in the pool", 1, 64);
  cli.parse(argc, argv);
  if (cli.smoke()) {
    tasks = 3;
    latency = 10ms;
    cpu = 2ms;
  }
  thread_name();  // main() names its thread first
  const settings how{latency, cpu};
  const double L = double(latency.count()), C = double(cpu.count());
  std::printf("%d tasks: each waits %.0f ms for I/O, then computes %.0f ms. "
              "Pool: %d threads.\n\n", tasks, L, C, threads);

  net::thread_pool pool{std::size_t(threads)};
  auto measure = [&](const char* name, auto start, double predicted) {
    std::vector<span> spans(static_cast<std::size_t>(tasks));
    lunch::stopwatch sw;
    lunch::run(start(spans), {.deadline = 600s, .what = name});
    report(name, spans, sw.ms(), predicted, cli.timeline());
  };
  measure("sequential", [&](auto& s) { return sequential(s, how); }, tasks * (L + C));
  measure("joined", [&](auto& s) { return joined(s, how); }, L + tasks * C);
  measure("spawned", [&](auto& s) { return all_at_once(pool.get_executor(), s, how); },
          L + tasks * C / threads);
  pool.join();
}
