// Demo 03/counter: one counter, several threads, four ways to share it.
//
// Tasks on an io_context run by several threads increment one shared int.
// Rust refuses to compile the first version; C++ compiles it and quietly
// loses updates. The other three are correct, at different prices:
//   strand       the tasks take turns, so they never run in parallel;
//   async mutex  each increment waits for its turn (a channel as the lock);
//   std::atomic  the hardware does the read-modify-write in one step.
#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <atomic>
#include <cstdio>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

struct settings {
  int threads = 2;
  int tasks = 4;
  int increments = 50'000;
};

// Hands the thread back every so often, so that tasks take turns on it
// and, with two threads, run side by side.
constexpr int burst = 500;

// `Counter` is an int or a std::atomic<int>: `++c` reads like the same
// code, but only the atomic one is a single indivisible step.
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

net::awaitable<void> bump_locked(token_box& lock, int& c, int n) {
  auto ex = co_await net::this_coro::executor;
  for (int i = 1; i <= n; ++i) {
    co_await lock.async_send(error_code{}, net::use_awaitable);
    ++c;
    lock.try_receive([](error_code) {});
    if (i % burst == 0) co_await net::post(ex, net::use_awaitable);
  }
}

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// `variant(ctx)` spawns the tasks, runs them, and returns the final count.
template <class Variant>
void measure(const settings& s, const char* name, Variant variant) {
  net::io_context ctx;
  lunch::stopwatch sw;
  const int got = variant(ctx);
  const long expected = long(s.tasks) * s.increments;
  std::printf("  %-14s expected %8ld  got %8d  %-16s %8.1f ms\n", name,
              expected, got, got == expected ? "" : "<- updates lost",
              sw.ms());
}

// Runs ctx with s.threads threads until every task has finished.
void run_threads(net::io_context& ctx, const settings& s, const char* what) {
  lunch::run_until_done(ctx, {.deadline = 120s, .threads = s.threads, .what = what});
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("counter", "One counter, several threads: race, strand, async mutex, atomic.");
  settings s;
  cli.option("--threads", s.threads, "threads running the io_context", 1, 64)
      .option("--tasks", s.tasks, "tasks incrementing the counter", 1, 10'000)
      .option("--increments", s.increments, "increments per task", 1, 10'000'000);
  cli.parse(argc, argv);
  if (cli.smoke()) s = {2, 2, 2'000};

  std::printf("%d tasks x %d increments on %d threads:\n", s.tasks,
              s.increments, s.threads);

  // 1. UNPROTECTED: a deliberate data race, undefined behaviour. The test
  // suite may run demos under ThreadSanitizer, so --smoke leaves it out.
  if (cli.smoke()) {
    std::printf("  %-14s skipped under --smoke (it is a data race)\n", "no protection");
  } else {
    measure(s, "no protection", [&](net::io_context& ctx) {
      int counter = 0;
      for (int t = 0; t < s.tasks; ++t) net::co_spawn(ctx, bump(counter, s.increments), rethrow);
      run_threads(ctx, s, "the unprotected tasks");
      return counter;
    });
  }

  // 2. A strand: the same coroutine, spawned on one strand instead of on
  // the bare io_context. The only change is where the tasks run.
  measure(s, "strand", [&](net::io_context& ctx) {
    int counter = 0;
    auto strand = net::make_strand(ctx);
    for (int t = 0; t < s.tasks; ++t) net::co_spawn(strand, bump(counter, s.increments), rethrow);
    run_threads(ctx, s, "the tasks on a strand");
    return counter;
  });

  // 3. An async mutex around each increment; the tasks stay on all threads.
  measure(s, "async mutex", [&](net::io_context& ctx) {
    int counter = 0;
    token_box lock(ctx, 1);
    for (int t = 0; t < s.tasks; ++t)
      net::co_spawn(ctx, bump_locked(lock, counter, s.increments), rethrow);
    run_threads(ctx, s, "the tasks sharing an async mutex");
    return counter;
  });

  // 4. std::atomic<int>: the same coroutine as 1, with another counter type.
  measure(s, "std::atomic", [&](net::io_context& ctx) {
    std::atomic<int> counter = 0;
    for (int t = 0; t < s.tasks; ++t) net::co_spawn(ctx, bump(counter, s.increments), rethrow);
    run_threads(ctx, s, "the tasks on an atomic");
    return counter.load();
  });

  if (!cli.smoke())
    std::printf(
        "\nThe first line is a data race: the compiler and the CPU may do\n"
        "anything, and usually they lose updates. To have it named, with both\n"
        "threads' stacks, build with ThreadSanitizer and run this again:\n"
        "  meson setup build-tsan -Db_sanitize=thread && ninja -C build-tsan\n"
        "ThreadSanitizer prints \"WARNING: ThreadSanitizer: data race\" in bump<int>.\n");
}
