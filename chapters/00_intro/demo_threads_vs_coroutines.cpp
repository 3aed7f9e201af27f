// Demo 00/threads_vs_coroutines: N tasks that each wait, three ways.
//
// Every task waits --wait ms and does nothing else, which is what a task
// waiting for an HTTP answer does. The same N tasks run as:
//   thread per task   N std::threads, each blocked in sleep_for
//   pool of 4         a net::thread_pool(4): 4 waits at a time, so
//                     ceil(N / 4) rounds
//   coroutines        N coroutines on ONE thread, each suspended on a
//                     steady_timer while it waits
// and the table shows the wall time, the peak memory (RSS) and how much
// memory each task added.
//
// Each variant runs in a child process of its own (fork), and its peak RSS
// comes from wait4(), so one variant's memory is never counted in the
// next one's peak. A real program would not fork to measure itself; here
// it is what keeps the figures honest.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

constexpr int pool_threads = 4;
constexpr int max_tasks = 100000;

enum class variant { thread_per_task, pool, coroutines };

const char* name_of(variant v) {
  switch (v) {
    case variant::thread_per_task: return "thread per task";
    case variant::pool: return "pool of 4 threads";
    case variant::coroutines: return "coroutines, 1 thread";
  }
  return "?";
}

// ------------------------------------------------------------ the variants

// Returns how many threads were started: fewer than n when the system
// refused one (std::system_error), and then every thread already started
// is still joined, so nothing is left running and nothing calls
// std::terminate.
int threads_each_waiting(int n, ms wait, std::string& refused) {
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  try {
    for (int i = 0; i < n; ++i)
      threads.emplace_back([wait] { std::this_thread::sleep_for(wait); });
  } catch (const std::system_error& e) {
    refused = e.what();
  }
  for (auto& t : threads) t.join();
  return static_cast<int>(threads.size());
}

void pool_waiting(int n, ms wait) {
  net::thread_pool pool(pool_threads);
  for (int i = 0; i < n; ++i)
    net::post(pool, [wait] { std::this_thread::sleep_for(wait); });  // holds a pool thread
  pool.join();  // our own pool: ending it is fine here
}

net::awaitable<void> wait_on_timer(ms wait) {
  net::steady_timer timer(co_await net::this_coro::executor, wait);
  co_await timer.async_wait(net::use_awaitable);  // the thread is free meanwhile
}

void coroutines_waiting(int n, ms wait) {
  net::io_context ctx;  // run by this thread alone
  for (int i = 0; i < n; ++i)
    net::co_spawn(ctx, wait_on_timer(wait), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);  // never `detached`: it would hide this
    });
  ctx.run();
}

// ------------------------------------------------- measuring in a child

// /proc/self/status: "VmRSS:   12345 kB" -> 12345.
long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + key.size());
  return 0;
}

// What the child reports back through a pipe: plain bytes, no pointers.
struct child_report {
  double wall_ms = 0;
  long baseline_kb = 0;  // RSS after the warm-up, before the real run
  int started = 0;       // threads started (thread per task)
  char problem[200] = {};
};

struct measurement {
  double wall_ms = 0;
  long baseline_kb = 0;
  long peak_kb = 0;      // ru_maxrss of the child
  std::string problem;   // empty when all went well
};

void write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t k = ::write(fd, p, size);
    if (k <= 0) return;
    p += k;
    size -= static_cast<std::size_t>(k);
  }
}

measurement measure(variant v, int n, ms wait) {
  std::fflush(stdout);  // or the child would print our buffer a second time
  int fds[2];
  if (::pipe(fds) != 0) return {0, 0, 0, std::string("pipe: ") + std::strerror(errno)};
  const pid_t pid = ::fork();
  if (pid < 0) return {0, 0, 0, std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) {
    ::close(fds[0]);
    child_report r;
    try {
      std::string refused;
      auto run = [&](int tasks, ms how_long) {
        switch (v) {
          case variant::thread_per_task: r.started = threads_each_waiting(tasks, how_long, refused); break;
          case variant::pool: pool_waiting(tasks, how_long); break;
          case variant::coroutines: coroutines_waiting(tasks, how_long); break;
        }
      };
      // A warm-up of one task that does not wait: the code, the allocator
      // and the pool's threads are then part of the baseline, and what the
      // real run adds is the cost of its tasks.
      run(1, 0ms);
      r.baseline_kb = status_kb("VmRSS");
      lunch::stopwatch sw;
      run(n, wait);
      r.wall_ms = sw.ms();
      if (!refused.empty())
        std::snprintf(r.problem, sizeof r.problem,
                      "the system refused thread %d of %d (%s)", r.started + 1, n,
                      refused.c_str());
    } catch (const std::exception& e) {
      std::snprintf(r.problem, sizeof r.problem, "%s", e.what());
    }
    write_all(fds[1], &r, sizeof r);
    ::_exit(0);  // not exit(): the parent's static objects are not ours to destroy
  }
  ::close(fds[1]);
  child_report r;
  std::size_t got = 0;
  while (got < sizeof r) {
    const ssize_t k = ::read(fds[0], reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (k <= 0) break;
    got += static_cast<std::size_t>(k);
  }
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  measurement m{r.wall_ms, r.baseline_kb, usage.ru_maxrss, r.problem};
  if (got != sizeof r)
    m.problem = WIFSIGNALED(status)
                    ? std::string("the child process died of signal ") + strsignal(WTERMSIG(status))
                    : "the child process ended without a report";
  return m;
}

// ------------------------------------------------------ the thread limit

// How many more threads this system would let us start, and the limit that
// decides it. Each thread is a kernel task with a pid of its own; several
// limits count them.
struct headroom {
  long threads = 0;
  std::string why;
};

std::optional<long> read_number(const char* path) {
  std::ifstream in(path);
  long v = 0;
  if (in >> v) return v;
  return std::nullopt;  // missing, or "max"
}

headroom thread_headroom() {
  // Threads (tasks) alive on the whole system now: the 4th field of
  // /proc/loadavg, "running/total".
  long in_use = 0;
  {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c, tasks;
    if (in >> a >> b >> c >> tasks)
      if (const auto slash = tasks.find('/'); slash != std::string::npos)
        in_use = std::atol(tasks.c_str() + slash + 1);
  }
  headroom best{1L << 40, "no limit found"};
  auto consider = [&](long limit, long used, const std::string& what) {
    if (limit - used < best.threads)
      best = {std::max(0L, limit - used),
              what + " is " + std::to_string(limit) +
                  (used > 0 ? ", " + std::to_string(used) + " in use" : "")};
  };
  if (auto v = read_number("/proc/sys/kernel/threads-max")) consider(*v, in_use, "kernel.threads-max");
  if (auto v = read_number("/proc/sys/kernel/pid_max")) consider(*v, in_use, "kernel.pid_max");
  // Every thread's stack is a memory mapping, plus one for its guard page.
  if (auto v = read_number("/proc/sys/vm/max_map_count")) consider(*v / 2, 0, "vm.max_map_count / 2");
  const char* cgroups[][2] = {{"/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids.current"},
                               {"/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids/pids.current"}};
  for (const auto& cg : cgroups)
    if (auto v = read_number(cg[0]))
      consider(*v, read_number(cg[1]).value_or(in_use), std::string("the cgroup's ") + cg[0]);
  rlimit lim{};
  if (::getrlimit(RLIMIT_NPROC, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    consider(static_cast<long>(lim.rlim_cur), in_use, "ulimit -u (RLIMIT_NPROC)");
  // Each stack reserves address space (8 MiB by default), counted by RLIMIT_AS.
  if (::getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    rlimit stack{};
    long stack_kb = 8192;
    if (::getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY)
      stack_kb = static_cast<long>(stack.rlim_cur / 1024);
    consider(static_cast<long>(lim.rlim_cur / 1024) / stack_kb,
             status_kb("VmSize") / stack_kb, "ulimit -v (RLIMIT_AS) / the stack size");
  }
  best.threads = std::max(0L, best.threads - 64);  // room for everybody else
  return best;
}

// "100,1000,10000" -> {100, 1000, 10000}; nullopt and a reason when bad.
std::optional<std::vector<int>> parse_counts(const std::string& text, std::string& why) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(item.c_str(), &end, 10);
    const std::string range = "(give 1 to " + std::to_string(max_tasks) + ")";
    if (item.empty() || *end != '\0' || errno != 0) {
      why = "'" + item + "' is not a whole number " + range;
      return std::nullopt;
    }
    if (v < 1 || v > max_tasks) {
      why = "'" + item + "' is out of range " + range;
      return std::nullopt;
    }
    out.push_back(static_cast<int>(v));
  }
  if (out.empty() || out.size() > 8) {
    why = "give 1 to 8 numbers, separated by commas";
    return std::nullopt;
  }
  return out;
}

// --------------------------------------------------------- the timeline

// The same three ways with 8 tasks, in this process, drawn as spans: the
// threads wait side by side, the pool in two rounds of 4, the coroutines
// side by side on one thread. `tl` is a reference in the coroutines: fine,
// because lunch::run returns only once all of them have finished.
net::awaitable<void> timed_wait(lunch::timeline& tl, ms wait, int i) {
  auto s = tl.span("timer", "coroutine " + std::to_string(i), "a timer");
  co_await wait_on_timer(wait);
}

net::awaitable<void> start_coroutines(lunch::timeline& tl, ms wait, int n) {
  auto ex = co_await net::this_coro::executor;
  for (int i = 1; i <= n; ++i)
    net::co_spawn(ex, timed_wait(tl, wait, i), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
}

void record_timeline(lunch::timeline& tl, ms wait) {
  constexpr int n = 8;
  {
    std::vector<std::thread> threads;
    for (int i = 1; i <= n; ++i)
      threads.emplace_back([&tl, wait, i] {
        auto s = tl.span("sleep_for", "thread " + std::to_string(i), "a blocked thread");
        std::this_thread::sleep_for(wait);
      });
    for (auto& t : threads) t.join();
  }
  {
    net::thread_pool pool(pool_threads);
    for (int i = 1; i <= n; ++i)
      net::post(pool, [&tl, wait, i] {
        auto s = tl.span("sleep_for", "pool task " + std::to_string(i), "a blocked pool thread");
        std::this_thread::sleep_for(wait);
      });
    pool.join();
  }
  lunch::run(start_coroutines(tl, wait, n), {.deadline = 30s, .what = "8 coroutines on timers"});
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("threads_vs_coroutines",
                      "N tasks that each wait: a thread each, a pool of 4 threads, "
                      "coroutines on one thread.");
  std::string counts_text = "100,1000,10000";
  ms wait = 100ms;
  int pool_max_ms = 3000;
  cli.option("--tasks", counts_text, "how many tasks: one number or a list, e.g. 100,1000,10000")
      .option("--wait", wait, "how long each task waits", 1, 10000)
      .option("--pool-max", pool_max_ms,
              "run the pool of 4 only where it should finish within this many ms", 0, 600000);
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) {
    counts_text = "100";
    wait = 10ms;
  }
  std::string why;
  const auto counts = parse_counts(counts_text, why);
  if (!counts) {
    std::fprintf(stderr, "demo threads_vs_coroutines: --tasks: %s\n", why.c_str());
    return 2;
  }
  const int most = *std::max_element(counts->begin(), counts->end());
  if (const auto room = thread_headroom(); most > room.threads) {
    std::fprintf(stderr,
                 "demo threads_vs_coroutines: --tasks %d: one thread per task needs %d "
                 "threads, and this system has room for about %ld more (%s); try a smaller "
                 "--tasks\n", most, most, room.threads, room.why.c_str());
    return 2;
  }

  const double w = double(wait.count());
  std::printf("Each task waits %.0f ms. Each variant runs in a child process of its own;\n"
              "\"memory per task\" is how much its peak RSS grew, divided by the tasks.\n\n", w);
  std::printf("%7s  %-21s %10s %10s %10s %16s\n", "tasks", "variant", "wall time",
              "expected", "peak RSS", "memory per task");
  bool failed = false;
  for (const int n : *counts) {
    std::optional<measurement> threads, coros;
    for (const variant v : {variant::thread_per_task, variant::pool, variant::coroutines}) {
      const double expected = v == variant::pool ? std::ceil(double(n) / pool_threads) * w : w;
      std::printf("%7d  %-21s ", n, name_of(v));
      if (v == variant::pool && expected > pool_max_ms) {
        std::printf("skipped: would take about %.1f s (ceil(%d/%d) rounds x %.0f ms)\n",
                    expected / 1000, n, pool_threads, w);
        continue;
      }
      const measurement m = measure(v, n, wait);
      if (!m.problem.empty()) {
        std::printf("failed: %s\n", m.problem.c_str());
        failed = true;
        continue;
      }
      const double growth_kb = double(std::max(0L, m.peak_kb - m.baseline_kb));
      std::printf("%7.0f ms %7.0f ms %7.1f MB %13.2f kB\n", m.wall_ms, expected,
                  double(m.peak_kb) / 1024, growth_kb / n);
      if (v == variant::thread_per_task) threads = m;
      if (v == variant::coroutines) coros = m;
    }
    if (threads && coros) {
      auto per_task = [n](const measurement& m) {
        return std::max(1.0, double(m.peak_kb - m.baseline_kb)) / n;
      };
      std::printf("%7s  threads vs coroutines: %.1fx the wall time, %.1fx the memory per task\n\n",
                  "", threads->wall_ms / std::max(coros->wall_ms, 0.001),
                  per_task(*threads) / per_task(*coros));
    } else {
      std::printf("\n");
    }
  }
  std::printf("A thread also costs kernel memory that RSS does not show (its kernel stack\n"
              "and task struct), and a pool of %d holds at most %d waits at a time.\n",
              pool_threads, pool_threads);

  if (cli.timeline() || !cli.trace_file().empty()) {
    std::printf("\nThe same three ways with 8 tasks, each waiting %.0f ms:\n", w);
    lunch::timeline tl;
    record_timeline(tl, wait);
    lunch::show(cli, tl);
    if (cli.timeline())
      std::printf("Threads 1-8 ran on 8 threads and the pool tasks on %d, in two rounds;\n"
                  "the 8 coroutines all ran on one thread, the main one.\n", pool_threads);
  }
  if (failed) {
    std::fprintf(stderr, "demo threads_vs_coroutines: a variant could not run (see the table); "
                         "try a smaller --tasks\n");
    return 2;
  }
}
