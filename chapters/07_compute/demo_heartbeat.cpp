// Demo 07/heartbeat: a heartbeat on the io thread, while a CPU job runs.
//
// A timer on a one-thread io_context ticks every --period ms and notes how
// late each tick is: the heartbeat stands for everything else that thread
// serves (connections, other timers). Meanwhile a job computes for --job ms,
// started five ways:
//   inline          co_await job(): the job runs on the io thread
//   co_spawn here   co_spawn onto the same io_context: still the io thread
//   sliced          on the io thread, with a co_await post every --slice ms
//   thread pool     co_spawn onto a net::thread_pool (spawn_blocking, rayon)
//   2nd io_context  co_spawn onto an io_context run by a thread of its own
// The heartbeat is as late as the longest stretch the io thread spends
// without reaching a co_await.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  ms job = 300ms, period = 20ms, slice = 2ms;
};

// The places a job can run, to name the timeline's rows after them.
struct places {
  std::thread::id io_thread;
  net::thread_pool& pool;
  net::io_context& second;

  const char* here() const {
    if (std::this_thread::get_id() == io_thread) return "io thread";
    if (pool.get_executor().running_in_this_thread()) return "pool thread";
    return "2nd context";
  }
};

// Busy on purpose: work that holds its thread, like parsing or hashing a
// big input. No co_await anywhere inside.
std::uint64_t compute_for(clock_type::duration how_long) {
  const auto until = clock_type::now() + how_long;
  std::uint64_t h = 1469598103934665603ull;
  while (clock_type::now() < until)
    for (std::uint64_t i = 0; i < 1000; ++i) h = (h ^ i) * 1099511628211ull;
  return h;
}

// The job as a coroutine that never suspends: wherever it is started,
// it holds that thread from start to end.
net::awaitable<std::uint64_t> job(ms how_long, const places& p, lunch::timeline& tl,
                                  const char* name) {
  auto span = tl.span(name, p.here());
  co_return compute_for(how_long);
}

// The same amount of work in slices, with a suspension point after each:
// the rule of thumb "never go long without a co_await".
net::awaitable<std::uint64_t> sliced_job(const settings& s, const places& p,
                                         lunch::timeline& tl) {
  auto ex = co_await net::this_coro::executor;
  const auto until = clock_type::now() + s.job;
  std::uint64_t h = 0;
  for (auto now = clock_type::now(); now < until; now = clock_type::now()) {
    {
      auto span = tl.span("sliced", p.here());
      h ^= compute_for(std::min<clock_type::duration>(s.slice, until - now));
    }
    // Back of the queue: the timer's handler, if due, runs before we resume.
    co_await net::post(ex, net::use_awaitable);
  }
  co_return h;
}

enum class way { inline_, spawned_here, sliced, thread_pool, second_context };

const char* name_of(way w) {
  switch (w) {
    case way::inline_: return "inline";
    case way::spawned_here: return "co_spawn here";
    case way::sliced: return "sliced";
    case way::thread_pool: return "thread pool";
    case way::second_context: return "2nd io_context";
  }
  return "?";
}

struct outcome {
  std::vector<double> late_ms;  // one per beat
  double job_ms = 0;
  std::string job_ran_on;
};

// Ticks on a fixed schedule (period, 2 x period, ...) until the job is done,
// and records how late each tick fired. A tick late by more than a period
// (a missed beat) is drawn on the timeline, from when it was due to when
// it fired.
net::awaitable<void> heartbeat(ms period, const bool& job_done, outcome& out,
                               lunch::timeline& tl) {
  net::steady_timer timer(co_await net::this_coro::executor);
  auto due = clock_type::now();
  while (!job_done) {
    due += period;
    timer.expires_at(due);
    co_await timer.async_wait(net::use_awaitable);
    const auto late = clock_type::now() - due;
    out.late_ms.push_back(std::chrono::duration<double, std::milli>(late).count());
    if (late > period) {
      const auto fired = tl.now();
      tl.add({"late beat", "late beats", "the io thread", lunch::thread_index(),
              fired - std::chrono::duration_cast<std::chrono::nanoseconds>(late), fired});
    }
  }
}

net::awaitable<void> start_job(way w, const settings& s, const places& p,
                               lunch::timeline& tl, bool& job_done, outcome& out) {
  auto here = co_await net::this_coro::executor;
  lunch::stopwatch sw;
  const char* name = name_of(w);
  switch (w) {
    case way::inline_:
      co_await job(s.job, p, tl, name);
      out.job_ran_on = p.here();
      break;
    case way::spawned_here:
      // Tokio's spawn: another task, but on a one-thread runtime the same thread.
      co_await net::co_spawn(here, job(s.job, p, tl, name), net::use_awaitable);
      out.job_ran_on = "io thread";
      break;
    case way::sliced:
      co_await sliced_job(s, p, tl);
      out.job_ran_on = p.here();
      break;
    case way::thread_pool:
      // Runs on the pool, resumes here: the result is handed back to us.
      co_await net::co_spawn(p.pool, job(s.job, p, tl, name), net::use_awaitable);
      out.job_ran_on = "pool thread";
      break;
    case way::second_context:
      co_await net::co_spawn(p.second, job(s.job, p, tl, name), net::use_awaitable);
      out.job_ran_on = "2nd context";
      break;
  }
  out.job_ms = sw.ms();
  job_done = true;
}

net::awaitable<void> one_way(way w, const settings& s, const places& p,
                             lunch::timeline& tl, outcome& out) {
  using namespace net::experimental::awaitable_operators;
  bool job_done = false;
  // The heartbeat goes first: its timer is armed before the job starts.
  co_await (heartbeat(s.period, job_done, out, tl) &&
            start_job(w, s, p, tl, job_done, out));
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * double(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("heartbeat",
                      "A heartbeat on the io thread while a CPU job runs: inline vs offloaded.");
  settings s;
  cli.option("--job", s.job, "how long the job computes", 1, 60'000)
      .option("--period", s.period, "the heartbeat's period", 1, 1000)
      .option("--slice", s.slice, "the sliced job's slice between two co_awaits", 1, 1000);
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) s = {30ms, 5ms, 1ms};

  net::thread_pool pool(2);
  net::io_context second;
  auto keep_running = net::make_work_guard(second);
  std::thread second_thread([&] { second.run(); });
  const places p{std::this_thread::get_id(), pool, second};
  lunch::timeline tl;

  std::printf("A heartbeat every %lld ms on the io thread; meanwhile a job computes "
              "for %lld ms.\n\n",
              static_cast<long long>(s.period.count()), static_cast<long long>(s.job.count()));
  std::printf("  %-15s %-22s %10s %10s %6s %9s\n", "the job", "ran on", "worst late",
              "p99 late", "beats", "job took");
  for (way w : {way::inline_, way::spawned_here, way::sliced, way::thread_pool,
                way::second_context}) {
    outcome out;
    lunch::run(one_way(w, s, p, tl, out),
               {.deadline = s.job * 3 + 10s, .what = name_of(w)});
    std::printf("  %-15s %-22s %7.1f ms %7.1f ms %6zu %6.0f ms\n", name_of(w),
                out.job_ran_on.c_str(), percentile(out.late_ms, 1.0),
                percentile(out.late_ms, 0.99), out.late_ms.size(), out.job_ms);
  }
  std::printf(
      "\nOn the io thread (inline, or spawned onto the same io_context) the job\n"
      "holds the thread, and the heartbeat waits for all of it. Sliced, it waits\n"
      "one slice at most. Offloaded, the io thread stays free: only the hop back\n"
      "with the result touches it.\n");

  keep_running.reset();
  second_thread.join();
  pool.join();
  lunch::show(cli, tl);
}
