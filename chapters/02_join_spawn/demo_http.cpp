// Demo 02/http: the talk's "100 HTTP queries", three ways, for real.
//
// A latency server runs on 127.0.0.1 inside this process (each answer takes
// --latency ms). The same GETs are then made:
//   sequential  one co_await after another:  requests x latency
//   joined      a parallel group on one thread: about one latency
//   spawned     co_spawn each onto a thread pool: about one latency too,
//               but spread over the pool's threads
// With --timeline you see the staircase and the two walls of bars.
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/http.hpp"
#include "lunch/run.hpp"
#include "lunch/measure.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// One GET, recorded on the timeline in its own lane. `tl` is a reference:
// fine, because every caller awaits this before the timeline goes away.
net::awaitable<int> fetch(std::string url, std::string lane, lunch::timeline& tl) {
  auto span = tl.span("GET", std::move(lane), "the server");
  const auto response = co_await lunch::http_get(std::move(url));
  co_return response.status;
}

net::awaitable<void> sequential(const std::string& base, int n, lunch::timeline& tl) {
  for (int i = 0; i < n; ++i)
    co_await fetch(base + "item/" + std::to_string(i), "seq " + std::to_string(i + 1), tl);
}

// Joined: all on this coroutine's executor, one thread. Each request spends
// its time waiting for the server, so the waits overlap.
net::awaitable<void> joined(const std::string& base, int n, lunch::timeline& tl) {
  auto ex = co_await net::this_coro::executor;
  std::vector<decltype(net::co_spawn(ex, fetch("", "", tl), net::deferred))> ops;
  for (int i = 0; i < n; ++i)
    ops.push_back(net::co_spawn(
        ex, fetch(base + "item/" + std::to_string(i), "join " + std::to_string(i + 1), tl),
        net::deferred));
  co_await net::experimental::make_parallel_group(std::move(ops))
      .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
}

// Spawned: the same group, but each request runs on the pool's threads. The
// parallel group itself stays on our executor; only the tasks move.
net::awaitable<void> spawned(const std::string& base, int n, net::thread_pool& pool,
                             lunch::timeline& tl) {
  auto pool_ex = pool.get_executor();
  std::vector<decltype(net::co_spawn(pool_ex, fetch("", "", tl), net::deferred))> ops;
  for (int i = 0; i < n; ++i)
    ops.push_back(net::co_spawn(
        pool_ex, fetch(base + "item/" + std::to_string(i), "spawn " + std::to_string(i + 1), tl),
        net::deferred));
  co_await net::experimental::make_parallel_group(std::move(ops))
      .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("http", "N GETs against a local latency server: sequential, joined, spawned.");
  int requests = 100;
  int threads = 2;
  auto latency = 50ms;
  cli.option("--requests", requests, "how many GETs in each phase", 1, 5000)
      .option("--latency", latency, "the server's latency per request", 0, 5000)
      .option("--threads", threads, "threads in the pool for the spawned phase", 1, 64);
  cli.parse(argc, argv);
  if (cli.smoke()) {
    requests = 4;
    latency = 10ms;
  }

  lunch::latency_server server({.latency = latency});
  const std::string base = server.url();
  std::printf("Server on %s, %lld ms per request; %d requests per phase.\n\n", base.c_str(),
              static_cast<long long>(latency.count()), requests);
  lunch::timeline tl;
  const auto deadline = std::chrono::milliseconds(requests * latency.count() * 2) + 30s;

  lunch::stopwatch sw;
  lunch::run(sequential(base, requests, tl), {.deadline = deadline, .what = "the sequential GETs"});
  std::printf("  sequential: %7.0f ms   (one after another)\n", sw.ms());

  sw = {};
  lunch::run(joined(base, requests, tl), {.deadline = deadline, .what = "the joined GETs"});
  std::printf("  joined:     %7.0f ms   (one thread, the waits overlap)\n", sw.ms());

  net::thread_pool pool(static_cast<std::size_t>(threads));
  sw = {};
  lunch::run(spawned(base, requests, pool, tl), {.deadline = deadline, .what = "the spawned GETs"});
  std::printf("  spawned:    %7.0f ms   (%d pool threads)\n", sw.ms(), threads);
  pool.join();

  const auto stats = server.stats();
  std::printf("\nThe server answered %llu requests, at most %d at once.\n",
              static_cast<unsigned long long>(stats.served), stats.peak_in_flight);
  lunch::show(cli, tl);
}
