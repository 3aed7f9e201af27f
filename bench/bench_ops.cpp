// What one operation costs, in nanoseconds: spawning a coroutine, a channel
// hand-off, the course's semaphore and async mutex, a strand post, joining
// n tasks. Next to them the floor, an uncontended std::mutex, and (in
// bench/tokio/src/bin/ops.rs) the same figures for Tokio.
//
// Every benchmark is named after its figure in bench/run.py's table
// (`ops.spawn`, `join.join_all/100`); items_per_second counts operations,
// so ns/op = 1e9 / items_per_second.
//
// CPU time, not wall time, except across threads: everything else runs on
// the one thread Google Benchmark times, and on a shared machine wall time
// also counts the time spent waiting for a core (measured here: 2.9 ms of
// wall time for 0.7 ms of CPU per 1000 spawns while two compilers ran).
// The Tokio twin measures the same way.
//
// The primitives are the course's own (solutions/), not Asio's internals:
// the table answers "what does the code we teach cost?".
#include <benchmark/benchmark.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "../solutions/02_join_spawn/in_completion_order.hpp"
#include "../solutions/02_join_spawn/join_all.hpp"
#include "../solutions/03_sharing/async_mutex.hpp"
#include "../solutions/04_semaphores/async_semaphore.hpp"
#include "../solutions/05_channels/work_queue.hpp"

namespace net = boost::asio;

namespace {

constexpr int batch = 10'000;
// Coroutines that share one permit or one lock in the contended figures.
constexpr int contenders = 8;

// A completion handler for co_spawn that fails loudly: a benchmark that
// swallowed an exception would time a broken run.
void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

net::awaitable<std::uint64_t> value(std::uint64_t i) { co_return i; }

// Hands the thread to every other ready coroutine once (Tokio's yield_now).
net::awaitable<void> yield_now() {
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

// Runs one coroutine to its end on a context that is reused between
// iterations (restart() makes a stopped io_context runnable again).
void run(net::io_context& ctx, net::awaitable<void> work) {
  net::co_spawn(ctx, std::move(work), rethrow);
  ctx.run();
  ctx.restart();
}

// ---------------------------------------------------------------- the floor

void floor_mutex(benchmark::State& state) {
  std::mutex m;
  std::uint64_t n = 0;
  for (auto _ : state) {
    std::lock_guard lock(m);
    benchmark::DoNotOptimize(++n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(floor_mutex)->Name("ops.floor_mutex");

// ---------------------------------------------------------------- spawning

// co_spawn of a coroutine that returns at once, with a completion handler:
// the frame allocation, the first resumption, the handler. 1000 a batch.
void spawn(benchmark::State& state) {
  net::io_context ctx(1);
  std::uint64_t sum = 0;
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < 1000; ++i)
      net::co_spawn(ctx, value(i), [&sum](std::exception_ptr e, std::uint64_t v) {
        rethrow(e);
        sum += v;
      });
    ctx.run();
    ctx.restart();
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(spawn)->Name("ops.spawn");

// ---------------------------------------------------------------- channels

net::awaitable<void> produce(work_queue<std::uint64_t>& q, int n) {
  for (int i = 0; i < n; ++i) co_await q.send(std::uint64_t(i));
  q.close();
}

net::awaitable<void> consume(work_queue<std::uint64_t>& q) {
  while (auto v = co_await q.receive()) benchmark::DoNotOptimize(*v);
}

// The course's bounded queue (chapter 05), room for 64, producer and
// consumer coroutines on one thread.
void channel_local(benchmark::State& state) {
  net::io_context ctx(1);
  for (auto _ : state) {
    work_queue<std::uint64_t> q(ctx.get_executor(), 64);
    net::co_spawn(ctx, produce(q, batch), rethrow);
    run(ctx, consume(q));
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(channel_local)->Name("ops.channel_local");

// The same queue with the producer on a second thread and io_context.
void channel_cross(benchmark::State& state) {
  net::io_context ctx(1);
  for (auto _ : state) {
    work_queue<std::uint64_t> q(ctx.get_executor(), 64);
    std::thread producer([&q] {
      net::io_context other(1);
      net::co_spawn(other, produce(q, batch), rethrow);
      other.run();
    });
    run(ctx, consume(q));
    producer.join();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(channel_cross)->Name("ops.channel_cross")->UseRealTime();  // two threads: wall time

// For comparison: Asio's own single-threaded channel, which the course's
// queue does not use because its close() drops buffered items (chapter 05).
void asio_channel_local(benchmark::State& state) {
  using channel = net::experimental::channel<void(boost::system::error_code, std::uint64_t)>;
  net::io_context ctx(1);
  for (auto _ : state) {
    channel ch(ctx, 64);
    auto producer = [](channel& ch) -> net::awaitable<void> {
      for (std::uint64_t i = 0; i < batch; ++i)
        co_await ch.async_send(boost::system::error_code{}, i, net::use_awaitable);
    };
    auto consumer = [](channel& ch) -> net::awaitable<void> {
      for (int i = 0; i < batch; ++i)
        benchmark::DoNotOptimize(co_await ch.async_receive(net::use_awaitable));
    };
    net::co_spawn(ctx, producer(ch), rethrow);
    run(ctx, consumer(ch));
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(asio_channel_local)->Name("ops.asio_channel_local");

// ---------------------------------------------------------------- semaphore, mutex

net::awaitable<void> acquire_release(async_semaphore& sem, int n) {
  for (int i = 0; i < n; ++i) auto permit = co_await sem.acquire();
}

// The holder yields while it holds the permit, so every other contender
// queues up behind it and every acquire is a hand-over.
net::awaitable<void> acquire_yield_release(async_semaphore& sem, int n) {
  for (int i = 0; i < n; ++i) {
    auto permit = co_await sem.acquire();
    co_await yield_now();
  }
}

void semaphore_uncontended(benchmark::State& state) {
  net::io_context ctx(1);
  async_semaphore sem(ctx.get_executor(), 1);
  for (auto _ : state) run(ctx, acquire_release(sem, batch));
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(semaphore_uncontended)->Name("ops.semaphore_uncontended");

void semaphore_contended(benchmark::State& state) {
  net::io_context ctx(1);
  async_semaphore sem(ctx.get_executor(), 1);
  for (auto _ : state) {
    for (int t = 0; t < contenders; ++t)
      net::co_spawn(ctx, acquire_yield_release(sem, batch / contenders), rethrow);
    ctx.run();
    ctx.restart();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(semaphore_contended)->Name("ops.semaphore_contended");

net::awaitable<void> lock_unlock(async_mutex& m, std::uint64_t& counter, int n) {
  for (int i = 0; i < n; ++i) {
    auto guard = co_await m.lock();
    ++counter;
  }
}

net::awaitable<void> lock_yield_unlock(async_mutex& m, std::uint64_t& counter, int n) {
  for (int i = 0; i < n; ++i) {
    auto guard = co_await m.lock();
    co_await yield_now();
    ++counter;
  }
}


void mutex_uncontended(benchmark::State& state) {
  net::io_context ctx(1);
  async_mutex m(ctx.get_executor());
  std::uint64_t counter = 0;
  for (auto _ : state) run(ctx, lock_unlock(m, counter, batch));
  benchmark::DoNotOptimize(counter);
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(mutex_uncontended)->Name("ops.mutex_uncontended");

void mutex_contended(benchmark::State& state) {
  net::io_context ctx(1);
  async_mutex m(ctx.get_executor());
  std::uint64_t counter = 0;
  for (auto _ : state) {
    for (int t = 0; t < contenders; ++t)
      net::co_spawn(ctx, lock_yield_unlock(m, counter, batch / contenders), rethrow);
    ctx.run();
    ctx.restart();
  }
  benchmark::DoNotOptimize(counter);
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(mutex_contended)->Name("ops.mutex_contended");

// ---------------------------------------------------------------- strand

// A plain function object posted through a strand and run: Asio's way to
// run work one piece at a time without a lock.
void strand_post(benchmark::State& state) {
  net::io_context ctx(1);
  auto strand = net::make_strand(ctx);
  std::uint64_t counter = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) net::post(strand, [&counter] { ++counter; });
    ctx.run();
    ctx.restart();
  }
  benchmark::DoNotOptimize(counter);
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(strand_post)->Name("ops.strand_post");

// ---------------------------------------------------------------- joining n tasks

// The course's join_all (chapter 02: a parallel group of co_spawned
// tasks), per task, for n = 10 ... 100,000. Flat means linear total cost.
template <bool in_order>
void join(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  net::io_context ctx(1);
  for (auto _ : state) {
    auto all = [](std::uint64_t n) -> net::awaitable<void> {
      std::vector<net::awaitable<std::uint64_t>> tasks;
      tasks.reserve(n);
      for (std::uint64_t i = 0; i < n; ++i) tasks.push_back(value(i));
      if constexpr (in_order)
        benchmark::DoNotOptimize(co_await join_all(std::move(tasks)));
      else
        benchmark::DoNotOptimize(co_await in_completion_order(std::move(tasks)));
    };
    run(ctx, all(n));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(join<true>)->Name("join.join_all")->RangeMultiplier(10)->Range(10, 100'000);
BENCHMARK(join<false>)->Name("join.unordered")->RangeMultiplier(10)->Range(10, 100'000);

}  // namespace

BENCHMARK_MAIN();
