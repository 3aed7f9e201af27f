// Demo 09/no_borrow_checker: what Rust refuses to compile, compiled in C++.
//
// Rust turns some async mistakes into compile errors; C++ compiles them and
// they show up at run time, if at all:
//   1. no #[must_use] on a spawned task's result: `detached` drops an
//      exception without a word;
//   2. no Send check: two threads change one plain int (ThreadSanitizer
//      names the race: build with -Db_sanitize=thread);
//   (no 'static check: a dangling reference, see the `dangling` exercise,
//      which runs under AddressSanitizer.)
// And two things Rust needed crates for, which C++ coroutines just do:
//   3. async recursion: each call is a coroutine frame on the heap; the
//      demo measures what a call costs, against a plain function;
//   4. an async "trait": a virtual function returning net::awaitable<T>,
//      and net::any_completion_handler for an operation behind a
//      non-template interface (it can live in a .cpp file).
#include <boost/asio.hpp>
#include <boost/asio/any_completion_handler.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"  // lunch::describe

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// ---------------------------------------------- 1. the exception nobody sees

net::awaitable<void> save_report() {
  co_await lunch::nap(1ms);
  throw std::runtime_error("disk full while saving the report");
}

net::awaitable<void> spawn_and_forget(std::string& seen) {
  auto ex = co_await net::this_coro::executor;
  net::co_spawn(ex, save_report(), net::detached);  // the error goes nowhere
  net::co_spawn(ex, save_report(), [&seen](std::exception_ptr e) {
    if (e) seen = lunch::describe(e);  // or rethrow: it then leaves run()
  });
  co_await lunch::nap(20ms);
}

// ---------------------------------------------- 2. a race the compiler allows

int racy_increments(int per_thread) {
  int counter = 0;  // shared by two threads, no lock, no atomic: a data race
  std::atomic<int> ready{0};
  auto bump = [&] {
    ++ready;
    while (ready < 2) std::this_thread::yield();  // start together
    for (int i = 0; i < per_thread; ++i) counter = counter + 1;
  };
  std::thread a(bump), b(bump);
  a.join();
  b.join();
  return counter;
}

// ------------------------------------------------------- 3. async recursion

// sum(n) = n + sum(n - 1): one coroutine frame per level, all alive at the
// deepest point. Asio resumes them one after another from its own loop, so
// the depth does not grow the thread's stack.
net::awaitable<std::uint64_t> sum_async(std::uint64_t n) {
  if (n == 0) co_return 0;
  co_return n + co_await sum_async(n - 1);
}

[[gnu::noinline]] std::uint64_t sum_plain(std::uint64_t n) {
  return n == 0 ? 0 : n + sum_plain(n - 1);
}

// ------------------------------------------------ 4. an async "trait"

// Rust needed #[async_trait] (boxing the future) until 1.75. Here a virtual
// function simply returns an awaitable: the frame is on the heap anyway.
struct price_source {
  virtual ~price_source() = default;
  virtual net::awaitable<int> price(std::string item) = 0;
};

struct fixed_prices : price_source {
  net::awaitable<int> price(std::string item) override { co_return int(item.size()) * 100; }
};

struct slow_prices : price_source {
  net::awaitable<int> price(std::string item) override {
    co_await lunch::nap(5ms);  // a round trip to a price service
    co_return int(item.size()) * 110;
  }
};

// The callback style, type-erased: this function is not a template, so it
// could be compiled once in a .cpp file behind a plain header.
void start_lookup(net::any_io_executor ex, std::string item,
                  net::any_completion_handler<void(error_code, int)> handler) {
  net::post(ex, [item, h = std::move(handler)]() mutable {
    std::move(h)(error_code{}, int(item.size()) * 90);
  });
}

// ...and the thin template that makes it usable with any completion token.
template <class Token>
auto async_lookup(net::any_io_executor ex, std::string item, Token&& token) {
  return net::async_initiate<Token, void(error_code, int)>(
      [](auto handler, net::any_io_executor ex, std::string item) {
        start_lookup(std::move(ex), std::move(item), std::move(handler));
      },
      token, std::move(ex), std::move(item));
}

net::awaitable<void> ask_everyone(std::string item) {
  std::unique_ptr<price_source> sources[] = {std::make_unique<fixed_prices>(),
                                             std::make_unique<slow_prices>()};
  for (auto& s : sources) {
    const int p = co_await s->price(item);
    std::printf("   virtual price():        %4d (%s)\n", p,
                dynamic_cast<slow_prices*>(s.get()) ? "slow_prices" : "fixed_prices");
  }
  const int p = co_await async_lookup(co_await net::this_coro::executor, item,
                                      net::use_awaitable);
  std::printf("   any_completion_handler: %4d (async_lookup, awaited)\n", p);
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("no_borrow_checker",
                      "What Rust refuses to compile, in C++: lost exception, data race, "
                      "async recursion, an async trait.");
  int depth = 100'000;
  int increments = 2'000'000;
  cli.option("--depth", depth, "levels of async recursion", 1, 1'000'000)
      .option("--increments", increments, "racy increments per thread", 1, 100'000'000);
  cli.parse(argc, argv);
  if (cli.smoke()) {
    depth = 1000;
    increments = 10'000;
  }

  std::printf("1. A task that throws, spawned twice: once `detached`, once with a handler.\n");
  std::string seen = "nothing";
  lunch::run(spawn_and_forget(seen), {.deadline = 5s, .what = "two failing tasks"});
  std::printf("   detached:     nothing printed, nothing thrown: the error is gone\n"
              "   with handler: %s\n\n", seen.c_str());

  std::printf("2. Two threads add 1 to a plain int, %d times each.\n", increments);
  const int got = racy_increments(increments);
  std::printf("   expected %d, got %d: %d updates lost. Rust would not compile\n"
              "   this (the int is not Sync); here ThreadSanitizer finds it. An\n"
              "   std::atomic<int> or a strand (chapter 03) makes it right.\n\n",
              2 * increments, got, 2 * increments - got);

  std::printf("3. Recursion %d levels deep, async and plain.\n", depth);
  lunch::stopwatch sw_async;
  const auto a = lunch::run(sum_async(std::uint64_t(depth)), {.deadline = 30s, .what = "sum_async"});
  const double async_ms = sw_async.ms();
  lunch::stopwatch sw_plain;
  const auto p = sum_plain(std::uint64_t(depth));
  const double plain_ms = sw_plain.ms();
  std::printf("   %-22s %12s %14s\n", "", "total", "per call");
  std::printf("   %-22s %9.2f ms %11.1f ns\n", "coroutine (co_await)", async_ms,
              async_ms * 1e6 / depth);
  std::printf("   %-22s %9.2f ms %11.1f ns\n", "plain function", plain_ms, plain_ms * 1e6 / depth);
  std::printf("   same result: %s. Each async level is a heap-allocated frame\n"
              "   (%zu frames alive at the deepest point), not a stack frame.\n\n",
              a == p ? "yes" : "NO", std::size_t(depth));

  std::printf("4. An async \"trait\": price() through a base class, and a type-erased handler.\n");
  lunch::run(ask_everyone("bagel"), {.deadline = 5s, .what = "asking for prices"});
}
