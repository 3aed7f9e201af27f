// Demo 03/counter: one counter, several threads, four ways to share it.
//
// Tasks on an io_context run by several threads increment one shared int,
// handing the thread back every `burst` increments. Rust refuses to compile
// the first version; C++ compiles it and loses updates. The other three are
// correct, each in its own way:
//   strand       the tasks take turns: they never run in parallel;
//   async mutex  a task holds the lock for one burst (a channel as the lock);
//   std::atomic  every ++ is one indivisible step, done by the hardware.
#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <atomic>
#include <cstdio>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/measure.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

struct settings {
  int threads = 2;
  int tasks = 4;
  int increments = 5'000'000;
};

// Increments between two suspensions. On a strand, that is one turn.
constexpr int burst = 1000;

// `Counter` is an int or a std::atomic<int>: `++c` reads the same, but only
// for the atomic is it a single step that no other thread can split.
template <class Counter>
net::awaitable<void> bump(Counter& c, int n) {
  auto ex = co_await net::this_coro::executor;
  for (int i = 1; i <= n; ++i) {
    ++c;
    if (i % burst == 0) co_await net::post(ex, net::use_awaitable);
  }
}

// The smallest async mutex: a channel with room for one token. Sending the
// token in is locking (it waits while the box is full), taking it out is
// unlocking. The async_mutex exercise wraps this in a class with a guard.
using token_box = net::experimental::concurrent_channel<void(error_code)>;

// One lock per burst, not per increment: an uncontended lock costs about a
// microsecond, five hundred times the ++ it would protect.
net::awaitable<void> bump_locked(token_box& lock, int& c, int n) {
  auto ex = co_await net::this_coro::executor;
  for (int done = 0; done < n;) {
    co_await lock.async_send(error_code{}, net::use_awaitable);
    for (int i = 0; i < burst && done < n; ++i, ++done) ++c;
    lock.try_receive([](error_code) {});
    co_await net::post(ex, net::use_awaitable);
  }
}

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Runs the tasks on `ctx` with s.threads threads until all have finished.
void run_threads(net::io_context& ctx, const settings& s, const char* what) {
  lunch::run_until_done(ctx, {.deadline = 120s, .threads = s.threads, .what = what});
}

// `variant(ctx)` spawns the tasks, runs them, and returns the final count.
template <class Variant>
bool measure(const settings& s, const char* name, Variant variant) {
  net::io_context ctx;
  lunch::stopwatch sw;
  const long got = variant(ctx);
  const long expected = long(s.tasks) * s.increments;
  std::printf("  %-14s expected %9ld  got %9ld  %8.1f ms%s\n", name, expected,
              got, sw.ms(), got == expected ? "" : "  <- updates lost");
  return got == expected;
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("counter", "One counter, several threads: race, strand, async mutex, atomic.");
  settings s;
  cli.option("--threads", s.threads, "threads running the io_context", 1, 64)
      .option("--tasks", s.tasks, "tasks incrementing the counter", 1, 10'000)
      .option("--increments", s.increments, "increments per task", 1, 100'000'000);
  cli.parse(argc, argv);
  if (cli.smoke()) s = {2, 2, 20'000};
  if (long(s.tasks) * s.increments > 2'000'000'000L) {
    std::fprintf(stderr, "demo counter: --tasks x --increments must fit in an int\n");
    return 2;
  }

  std::printf("%d tasks x %d increments on %d threads:\n", s.tasks, s.increments, s.threads);

  // 1. NO PROTECTION: a deliberate data race, so undefined behaviour. The
  // test suite may run the demos under ThreadSanitizer: --smoke skips it.
  bool race_hidden = false;
  if (cli.smoke()) {
    std::printf("  %-14s skipped under --smoke (it is a data race)\n", "no protection");
  } else {
    race_hidden = measure(s, "no protection", [&](net::io_context& ctx) {
      int counter = 0;
      for (int t = 0; t < s.tasks; ++t) net::co_spawn(ctx, bump(counter, s.increments), rethrow);
      run_threads(ctx, s, "the unprotected tasks");
      return counter;
    });
  }

  // 2. A strand: the same coroutine, spawned on one strand instead of on
  // the bare io_context. Where the tasks run is the only change.
  measure(s, "strand", [&](net::io_context& ctx) {
    int counter = 0;
    auto strand = net::make_strand(ctx);
    for (int t = 0; t < s.tasks; ++t) net::co_spawn(strand, bump(counter, s.increments), rethrow);
    run_threads(ctx, s, "the tasks on a strand");
    return counter;
  });

  // 3. An async mutex; the tasks still run on every thread.
  measure(s, "async mutex", [&](net::io_context& ctx) {
    int counter = 0;
    token_box lock(ctx, 1);
    for (int t = 0; t < s.tasks; ++t) net::co_spawn(ctx, bump_locked(lock, counter, s.increments), rethrow);
    run_threads(ctx, s, "the tasks sharing an async mutex");
    return counter;
  });

  // 4. std::atomic<int>: the same coroutine as in 1, another counter type.
  measure(s, "std::atomic", [&](net::io_context& ctx) {
    std::atomic<int> counter = 0;
    for (int t = 0; t < s.tasks; ++t) net::co_spawn(ctx, bump(counter, s.increments), rethrow);
    run_threads(ctx, s, "the tasks on an atomic");
    return counter.load();
  });

  if (cli.smoke()) return 0;
  if (race_hidden)
    std::printf(
        "\nNo update was lost this time: the threads happened not to overlap\n"
        "(a busy machine, or too little work). The race is still there; run\n"
        "again, or raise --increments. A test that passes is no proof.\n");
  std::printf(
      "\nThe first line is a data race: undefined behaviour, usually lost\n"
      "updates. ThreadSanitizer names it, with both threads' stacks:\n"
      "  meson setup build-tsan -Db_sanitize=thread\n"
      "  ninja -C build-tsan chapters/03_sharing/demo_03_sharing_counter\n"
      "  build-tsan/chapters/03_sharing/demo_03_sharing_counter --increments 200000\n"
      "It reports \"WARNING: ThreadSanitizer: data race\" in bump(), at `++c`.\n");
}
