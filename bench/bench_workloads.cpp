// The wall-time and memory figures of bench/run.py's table, one workload per
// subcommand, each printing one JSON line per figure (the same lines as the
// Tokio twins in bench/tokio/src/bin/):
//
//   bench_workloads sleep tasks|threads N [WAIT_MS]   N waits: time, peak RSS
//   bench_workloads fidelity [--quick]    join / limited / buffer_unordered vs the limit
//   bench_workloads heartbeat [--quick]   a heartbeat's lateness beside a CPU job
//   bench_workloads file_read FILE [--quick]   read throughput by method and chunk
//   bench_workloads disk_usage [TREE] [--quick]   chapter 08's disk_usage vs GNU du -sb
//
// run.py starts one process per configuration, so that each peak RSS is the
// row's own and not the high-water mark of an earlier row.
//
// One translation unit for all of them on purpose: each file that includes
// Asio costs seconds and hundreds of MB to compile.
#include <boost/asio.hpp>
// The channel headers before coro.hpp (see buffer_unordered.hpp).
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <csignal>
#include <cstring>
#include <exception>
#include <filesystem>
#include <latch>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../solutions/02_join_spawn/join_all.hpp"
#include "../solutions/04_semaphores/fetch_limited.hpp"
#include "../solutions/06_streams/buffer_unordered.hpp"
#include "../solutions/06_streams/map_filter.hpp"
#include "../solutions/07_compute/spawn_blocking.hpp"
#include "../solutions/08_file_io/disk_usage.hpp"
#include "lunch/http.hpp"
#include "lunch/measure.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using net::experimental::coro;

namespace {

// ---------------------------------------------------------------- output

void emit(const std::string& figure, double value, const char* unit) {
  std::printf("{\"figure\":\"%s\",\"value\":%.6f,\"unit\":\"%s\"}\n", figure.c_str(), value, unit);
  std::fflush(stdout);
}

// The high-water mark of this process's resident memory, in KiB: VmHWM in
// /proc/self/status. Not getrusage's ru_maxrss: after fork and exec that
// starts from the parent's size at the fork (Linux carries it over), so a
// child of a 15 MB Python script would report 15 MB for doing nothing.
double peak_rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

// The kernel's memory for thread stacks, machine-wide, in KiB (KernelStack
// in /proc/meminfo). A thread's kernel stack is not in anybody's RSS, but
// every thread has one; a coroutine has none.
double kernel_stack_kib() {
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (!f) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "KernelStack: %lf kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

double percentile(std::vector<double> sample, double p) {
  std::sort(sample.begin(), sample.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * double(sample.size())));
  return sample[std::clamp<std::size_t>(rank, 1, sample.size()) - 1];
}

double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Runs one coroutine to its end on a fresh single-threaded io_context.
void run(net::awaitable<void> work) {
  net::io_context ctx(1);
  net::co_spawn(ctx, std::move(work), rethrow);
  ctx.run();
}

// ---------------------------------------------------------------- sleep

net::awaitable<void> wait_for(std::chrono::milliseconds d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  co_await timer.async_wait(net::use_awaitable);
}

int sleep(const std::vector<std::string>& args) {
  const std::string mode = args.size() > 0 ? args[0] : "tasks";
  const int n = args.size() > 1 ? std::stoi(args[1]) : 10'000;
  const auto wait = std::chrono::milliseconds(args.size() > 2 ? std::stoi(args[2]) : 100);
  // Made before the baseline is read: the event loop is a fixed cost, not
  // a cost per task (the Tokio twin builds its runtime first too).
  net::io_context ctx(1);
  const double base = peak_rss_kib();
  const double kernel_base = kernel_stack_kib();
  double kernel = 0;
  lunch::stopwatch sw;
  // CPU time is the overhead that a busy machine does not blur: wall time
  // beyond the wait also counts the time spent waiting for a free core.
  lunch::cpu_meter cpu;
  if (mode == "tasks") {
    for (int i = 0; i < n; ++i) net::co_spawn(ctx, wait_for(wait), rethrow);
    ctx.run();
  } else if (mode == "threads") {
    // Every thread waits for the starting signal before its 100 ms, as every
    // coroutine waits for run(): otherwise, with thread creation at ~0.1 ms
    // each, the first of 10,000 threads would end before the last began, and
    // the peak would hold only the ~1,000 alive at once.
    std::latch go(1);
    std::vector<std::thread> threads;
    threads.reserve(std::size_t(n));
    for (int i = 0; i < n; ++i)
      threads.emplace_back([wait, &go] {
        go.wait();
        std::this_thread::sleep_for(wait);
      });
    kernel = kernel_stack_kib() - kernel_base;  // all of them alive
    go.count_down();
    for (auto& t : threads) t.join();
  } else {
    std::fprintf(stderr, "bench_workloads sleep: unknown mode %s (tasks or threads)\n", mode.c_str());
    return 2;
  }
  const std::string prefix = "sleep." + mode + "." + std::to_string(n);
  const double wall = sw.ms();
  emit(prefix + ".wall_ms", wall, "ms");
  emit(prefix + ".cpu_ms", cpu.ms(), "ms");
  emit(prefix + ".rss_kib", peak_rss_kib() - base, "KiB");
  emit(prefix + ".kernel_kib", std::max(kernel, 0.0), "KiB");
  return 0;
}

// ---------------------------------------------------------------- fidelity

constexpr std::size_t limit = 10;   // fetch_limited's K
constexpr std::size_t buffer = 8;   // buffer_unordered(8)

net::awaitable<int> status_of(std::string url) {
  co_return (co_await lunch::http_get(std::move(url))).status;
}

coro<net::awaitable<int>> requests([[maybe_unused]] net::any_io_executor ex,
                                   std::vector<std::string> urls) {
  for (auto& u : urls) co_yield status_of(std::move(u));
}

void check_all_ok(const std::vector<int>& statuses, std::size_t n) {
  if (statuses.size() != n || std::any_of(statuses.begin(), statuses.end(), [](int s) { return s != 200; }))
    throw std::runtime_error("fidelity: a request did not get a 200");
}

// The three patterns, each against its physical limit, with the chapters'
// demo settings: 100 requests joined at 50 ms each (chapter 02); limited to
// 10 in flight and buffer_unordered(8) at 100 ms each (chapters 04, 06).
net::awaitable<void> fidelity_runs(std::string join_base, double join_ms, std::string wave_base,
                                   double wave_ms, std::size_t n) {
  auto ex = co_await net::this_coro::executor;
  auto report = [](const char* name, double took, double limit_ms) {
    emit(std::string("fidelity.") + name + ".wall_ms", took, "ms");
    emit(std::string("fidelity.") + name + ".ratio", took / limit_ms, "x");
  };
  auto urls = [n](const std::string& base) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(base + "item/" + std::to_string(i));
    return out;
  };

  lunch::stopwatch sw;
  std::vector<net::awaitable<int>> all;
  for (auto& u : urls(join_base)) all.push_back(status_of(std::move(u)));
  check_all_ok(co_await join_all(std::move(all)), n);
  report("join", sw.ms(), join_ms);

  sw = {};
  std::vector<int> statuses;
  for (const auto& r : co_await fetch_limited(urls(wave_base), limit)) statuses.push_back(r.status);
  check_all_ok(statuses, n);
  report("limited", sw.ms(), double((n + limit - 1) / limit) * wave_ms);

  sw = {};
  check_all_ok(co_await collect(buffer_unordered(requests(ex, urls(wave_base)), buffer)), n);
  report("buffer_unordered", sw.ms(), double((n + buffer - 1) / buffer) * wave_ms);
}

int fidelity(bool quick) {
  const std::size_t n = quick ? 20 : 100;
  const auto join_latency = quick ? 20ms : 50ms;
  const auto wave_latency = quick ? 20ms : 100ms;
  lunch::latency_server join_server({.latency = join_latency});
  lunch::latency_server wave_server({.latency = wave_latency});
  run(fidelity_runs(join_server.url(), double(join_latency.count()), wave_server.url(),
                    double(wave_latency.count()), n));
  return 0;
}

// ---------------------------------------------------------------- heartbeat

constexpr auto period = 5ms;

// The CPU job: a chain of multiply-xorshift steps, each depending on the
// last, so nothing can skip or vectorise it. The Tokio twin runs the same.
std::uint64_t crunch(std::uint64_t steps) {
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (std::uint64_t i = 0; i < steps; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    x ^= x >> 33;
  }
  return x;
}

// Wants to wake every `period`; records how late each wake-up came.
// `late` and `stop` belong to heartbeat() below, which outlives the run.
net::awaitable<void> beat(std::vector<double>& late, const bool& stop) {
  net::steady_timer timer(co_await net::this_coro::executor);
  while (!stop) {
    const auto due = std::chrono::steady_clock::now() + period;
    timer.expires_at(due);
    co_await timer.async_wait(net::use_awaitable);
    late.push_back(ms(std::chrono::steady_clock::now() - due));
  }
}

net::awaitable<void> job(bool offload, std::uint64_t steps, net::any_io_executor pool, bool& stop) {
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);  // the heartbeat waits first
  std::uint64_t result = 0;
  if (offload)
    result = co_await spawn_blocking(pool, [steps] { return crunch(steps); });
  else
    result = crunch(steps);  // wrong on purpose: the loop's only thread computes
  volatile std::uint64_t sink = result;
  (void)sink;
  stop = true;
}

int heartbeat(bool quick) {
  const std::uint64_t steps = quick ? 40'000'000 : 400'000'000;
  net::thread_pool pool(1);
  for (const bool offload : {false, true}) {
    std::vector<double> late;
    bool stop = false;
    net::io_context ctx(1);
    net::co_spawn(ctx, beat(late, stop), rethrow);
    net::co_spawn(ctx, job(offload, steps, pool.get_executor(), stop), rethrow);
    ctx.run();
    const std::string prefix = std::string("heartbeat.") + (offload ? "offloaded" : "inline");
    emit(prefix + ".worst_ms", *std::max_element(late.begin(), late.end()), "ms");
    emit(prefix + ".p99_ms", percentile(late, 99), "ms");
  }
  pool.join();
  return 0;
}

// ---------------------------------------------------------------- file read

// POSIX read() in a loop, on the calling thread: the floor.
std::uint64_t read_blocking(const std::string& path, std::size_t chunk) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  std::vector<char> buf(chunk);
  std::uint64_t total = 0;
  for (ssize_t n; (n = ::read(fd, buf.data(), chunk)) > 0;) total += std::uint64_t(n);
  ::close(fd);
  return total;
}

// Every read() is a trip to the pool and back: what tokio::fs does.
net::awaitable<std::uint64_t> read_hop_per_chunk(std::string path, std::size_t chunk,
                                                 net::any_io_executor pool) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  std::vector<char> buf(chunk);
  std::uint64_t total = 0;
  for (;;) {
    auto one_read = [fd, &buf] { return ::read(fd, buf.data(), buf.size()); };
    const ssize_t n = co_await spawn_blocking(pool, one_read);
    if (n <= 0) break;
    total += std::uint64_t(n);
  }
  ::close(fd);
  co_return total;
}

// The whole blocking loop handed to the pool once.
net::awaitable<std::uint64_t> read_offloaded_once(std::string path, std::size_t chunk,
                                                  net::any_io_executor pool) {
  auto whole = [&path, chunk] { return read_blocking(path, chunk); };
  co_return co_await spawn_blocking(pool, whole);
}

#if defined(BOOST_ASIO_HAS_IO_URING)
// Asio's stream_file: reads go through io_uring, no thread hop at all.
net::awaitable<std::uint64_t> read_io_uring(std::string path, std::size_t chunk) {
  net::stream_file file(co_await net::this_coro::executor, path, net::stream_file::read_only);
  std::vector<char> buf(chunk);
  std::uint64_t total = 0;
  for (;;) {
    auto [ec, n] = co_await file.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    if (ec == net::error::eof) break;
    if (ec) throw boost::system::system_error(ec);
    total += n;
  }
  co_return total;
}
#endif

template <class Read>
double best_mib_s(int rounds, Read read) {
  double best = 0;
  for (int i = 0; i < rounds; ++i) {
    lunch::stopwatch sw;
    const std::uint64_t bytes = read();
    best = std::max(best, double(bytes) / double(1 << 20) / (sw.ms() / 1e3));
  }
  return best;
}

template <class T>
T run_for(net::awaitable<T> work) {
  net::io_context ctx(1);
  auto f = net::co_spawn(ctx, std::move(work), net::use_future);
  ctx.run();
  return f.get();
}

int file_read(const std::vector<std::string>& args, bool quick) {
  if (args.empty()) {
    std::fprintf(stderr, "usage: bench_workloads file_read FILE [--quick]\n");
    return 2;
  }
  const std::string path = args[0];
  const int rounds = quick ? 1 : 3;
  read_blocking(path, 1 << 20);  // into the page cache, if it was not
  net::thread_pool pool(2);
  const std::pair<std::size_t, const char*> chunks[] = {{4 << 10, "4k"}, {64 << 10, "64k"}, {1 << 20, "1m"}};
  for (const auto& c : chunks) {
    // Named copies, not a structured binding: clang 14 cannot capture one.
    const std::size_t chunk = c.first;
    const std::string suffix = std::string(".") + c.second + ".mib_s";
    emit("read.blocking" + suffix, best_mib_s(rounds, [&] { return read_blocking(path, chunk); }), "MiB/s");
    emit("read.hop" + suffix, best_mib_s(rounds, [&] {
           return run_for(read_hop_per_chunk(path, chunk, pool.get_executor()));
         }), "MiB/s");
    emit("read.once" + suffix, best_mib_s(rounds, [&] {
           return run_for(read_offloaded_once(path, chunk, pool.get_executor()));
         }), "MiB/s");
#if defined(BOOST_ASIO_HAS_IO_URING)
    try {
      emit("read.io_uring" + suffix, best_mib_s(rounds, [&] { return run_for(read_io_uring(path, chunk)); }),
           "MiB/s");
    } catch (const std::exception& e) {
      // A kernel or a container (seccomp) may refuse io_uring: say so once.
      std::fprintf(stderr, "bench_workloads: io_uring unavailable here: %s\n", e.what());
    }
#endif
  }
  pool.join();
  return 0;
}

// ---------------------------------------------------------------- disk usage

// The tree: `dirs` directories of `files_per_dir` files each, two levels (a
// tenth of the directories hold the others), a symbolic link to ".." in every
// 50th directory (du -sb counts the link, not what it points to). The file
// sizes are the demo's, set with ftruncate: du -sb and lstat see the
// apparent size, so no data need be written, and the tree costs inodes, not
// hundreds of MB.
struct tree_shape {
  int dirs = 2'500;
  int files_per_dir = 20;
};

char tree_for_signals[4096];

extern "C" void remove_tree_and_exit(int sig) {
  // remove_all is not async-signal-safe; good enough for a tree of our own.
  std::error_code ec;
  if (tree_for_signals[0]) fs::remove_all(tree_for_signals, ec);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Makes the tree under `root` (which must not exist). `owned`: removed by
// the destructor and on SIGINT/SIGTERM/SIGHUP/SIGPIPE; otherwise left for
// the caller (bench/run.py hands the same tree to the Tokio twin, then
// removes it).
struct generated_tree {
  fs::path root;
  bool owned;
  std::uint64_t files = 0, dirs = 0;

  generated_tree(fs::path where, bool own, tree_shape shape) : root(std::move(where)), owned(own) {
    if (owned) {
      std::snprintf(tree_for_signals, sizeof tree_for_signals, "%s", root.c_str());
      for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) std::signal(sig, remove_tree_and_exit);
    }
    try {
      make(shape);
    } catch (...) {
      remove();
      throw;
    }
  }
  generated_tree(const generated_tree&) = delete;
  generated_tree& operator=(const generated_tree&) = delete;
  ~generated_tree() { remove(); }

 private:
  void remove() {
    if (!owned) return;
    std::error_code ec;
    fs::remove_all(root, ec);
    tree_for_signals[0] = '\0';
  }

  void make(tree_shape shape) {
    fs::create_directory(root);  // fails if it exists: never write into someone's folder
    ++dirs;
    const int groups = std::max(1, shape.dirs / 10);
    for (int d = 0; d < shape.dirs; ++d) {
      const fs::path group = root / ("group" + std::to_string(d % groups));
      if (d < groups) {
        fs::create_directory(group);
        ++dirs;
      }
      const fs::path dp = group / ("dir" + std::to_string(d));
      fs::create_directory(dp);
      ++dirs;
      for (int f = 0; f < shape.files_per_dir; ++f) {
        const fs::path fp = dp / ("file" + std::to_string(f));
        const int fd = ::open(fp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), fp.string());
        const off_t size = static_cast<off_t>((std::int64_t(d) * 7919 + std::int64_t(f) * 104729) % 20000);
        const int rc = ::ftruncate(fd, size);
        const int err = errno;
        ::close(fd);
        if (rc != 0) throw std::system_error(err, std::generic_category(), fp.string());
        ++files;
      }
      if (d % 50 == 0) fs::create_symlink("..", dp / "up");  // not to be followed
    }
  }
};

// Runs `du -sb PATH` (no shell in between); returns its total and how long
// the whole process took, start to exit.
std::pair<std::uint64_t, double> gnu_du(const fs::path& path) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::string arg0 = "du", arg1 = "-sb", arg2 = path.string();
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  lunch::stopwatch sw;
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "du", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::system_error(rc, std::generic_category(), "cannot start du");
  }
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, std::size_t(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const double took = sw.ms();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("du -sb " + arg2 + " failed");
  return {std::stoull(text), took};
}

// The course's disk_usage, on a pool of `threads`, at most `k` directory
// reads at once; its total.
std::uint64_t course_du(const fs::path& root, net::thread_pool& pool, std::size_t k) {
  const usage u = run_for(disk_usage(pool.get_executor(), root, k));
  if (!u.errors.empty()) throw std::runtime_error("disk_usage: " + u.errors.front());
  return u.bytes;
}

int disk_usage_bench(const std::vector<std::string>& args, bool quick) {
  tree_shape shape;
  if (quick) shape = {.dirs = 100, .files_per_dir = 10};
  const int runs = quick ? 1 : 5;
  // Two pool threads for two cores; K = 4 (chapter 08's demo): two reads
  // running while two more are queued, so a thread that finishes never waits
  // for the io thread to hand it the next directory.
  constexpr std::size_t pool_threads = 2, k = 4;

  const bool owned = args.empty();
  const fs::path where = owned ? fs::temp_directory_path() / ("lunch-bench-du-" + std::to_string(::getpid()))
                               : fs::path(args[0]);
  lunch::stopwatch gen;
  generated_tree tree(where, owned, shape);
  std::fprintf(stderr, "bench_workloads disk_usage: %llu files in %llu directories at %s (%.0f ms to make)\n",
               static_cast<unsigned long long>(tree.files), static_cast<unsigned long long>(tree.dirs),
               tree.root.c_str(), gen.ms());

  net::thread_pool pool(pool_threads);
  // Untimed: one walk each, so that every timed walk reads dentries and
  // inodes from the cache.
  const std::uint64_t du_bytes = gnu_du(tree.root).first;
  const std::uint64_t ours = course_du(tree.root, pool, k);

  double du_ms = INFINITY, start_ms = INFINITY, course_ms = INFINITY;
  for (int r = 0; r < runs; ++r) {
    const auto [bytes, took] = gnu_du(tree.root);
    if (bytes != du_bytes) throw std::runtime_error("du -sb changed its mind");
    du_ms = std::min(du_ms, took);
    // du's own cost of starting: the same process on a single entry.
    start_ms = std::min(start_ms, gnu_du("/dev/null").second);
    lunch::stopwatch sw;
    const std::uint64_t got = course_du(tree.root, pool, k);
    course_ms = std::min(course_ms, sw.ms());
    if (got != du_bytes)
      throw std::runtime_error("disk_usage counted " + std::to_string(got) + " bytes, du -sb " +
                               std::to_string(du_bytes));
  }
  pool.join();
  emit("du.files", double(tree.files), "files");
  emit("du.gnu.bytes", double(du_bytes), "B");
  emit("du.course.bytes", double(ours), "B");
  emit("du.gnu.ms", du_ms, "ms");
  emit("du.gnu_start.ms", start_ms, "ms");
  emit("du.course.ms", course_ms, "ms");
  return ours == du_bytes ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--quick")
      quick = true;
    else
      args.emplace_back(argv[i]);
  }
  const std::string what = args.empty() ? "" : args[0];
  if (!args.empty()) args.erase(args.begin());
  try {
    if (what == "sleep") return sleep(args);
    if (what == "fidelity") return fidelity(quick);
    if (what == "heartbeat") return heartbeat(quick);
    if (what == "file_read") return file_read(args, quick);
    if (what == "disk_usage") return disk_usage_bench(args, quick);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_workloads %s: %s\n", what.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: bench_workloads sleep|fidelity|heartbeat|file_read|disk_usage ... [--quick]\n");
  return 2;
}
