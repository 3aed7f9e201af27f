// Demo 02/http: the talk's "100 HTTP queries", three ways, for real.
//
// A latency server runs on 127.0.0.1 inside this process (each answer takes
// --latency ms). The same GETs are then made:
//   sequential  one co_await after another:  requests x latency
//   joined      a parallel group on one thread: about one latency
//   spawned     the same group, each GET run on a thread pool: about one
//               latency too, but spread over the pool's threads
// Joining and spawning differ in one argument: where each GET runs.
// With --timeline you see the staircase and the two walls of bars.
//
// Every answer is checked: a status other than 200, or a GET that got no
// answer at all, is counted, the first one is named, and the demo ends with
// status 1. A demo that hid its failures would show fast wrong numbers.
// (--fail-percent makes the server fail some requests on purpose.)
#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/http.hpp"
#include "lunch/run.hpp"
#include "lunch/measure.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// What one GET came to. Default-constructible, as a parallel group's
// results must be.
struct outcome {
  int status = 0;     // 0: no answer at all
  std::string error;  // "" when the answer was a 200
};

// One GET, recorded on the timeline in its own lane. A failure is part of
// the result, not an exception: every caller wants all the answers, and
// counts the bad ones. `tl` is a reference: fine, because every caller
// awaits this before the timeline goes away.
net::awaitable<outcome> fetch(std::string url, std::string lane, lunch::timeline& tl) {
  auto span = tl.span("GET", std::move(lane), "the server");
  outcome got;
  try {
    const auto response = co_await lunch::http_get(url);
    got.status = response.status;
    if (got.status != 200) got.error = "GET " + url + ": status " + std::to_string(got.status);
  } catch (const lunch::http_error& e) {  // refused, timed out, cut off
    got.error = e.what();
  }
  co_return got;
}

std::string item(const std::string& base, int i) { return base + "item/" + std::to_string(i); }

net::awaitable<std::vector<outcome>> sequential(std::string base, int n, lunch::timeline& tl) {
  std::vector<outcome> got;
  for (int i = 0; i < n; ++i)
    got.push_back(co_await fetch(item(base, i), "seq " + std::to_string(i + 1), tl));
  co_return got;
}

// One GET run on `where`, awaited from here. This wrapper (and so the
// parallel group that launches it) stays on our executor; only the GET moves.
// Putting co_spawn(pool, fetch(...), deferred) straight into the group would
// also run, but then the group is completed from several pool threads at
// once, which Asio's parallel_group does not promise to handle (asio #1348;
// the spawn_all exercise does the same).
net::awaitable<outcome> on(net::any_io_executor where, net::awaitable<outcome> get) {
  co_return co_await net::co_spawn(where, std::move(get), net::use_awaitable);
}

// Every GET at once, each on `where`: our own executor joins, a pool's
// spawns. The outcomes come back in the order the GETs finished.
net::awaitable<std::vector<outcome>> all_at_once(net::any_io_executor where, std::string base,
                                                 int n, std::string lane, lunch::timeline& tl) {
  auto here = co_await net::this_coro::executor;
  using operation = decltype(net::co_spawn(
      here, on(where, std::declval<net::awaitable<outcome>>()), net::deferred));
  std::vector<operation> ops;
  ops.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    ops.push_back(net::co_spawn(
        here, on(where, fetch(item(base, i), lane + " " + std::to_string(i + 1), tl)),
        net::deferred));
  auto [order, errors, outcomes] =
      co_await net::experimental::make_parallel_group(std::move(ops))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  // fetch() keeps failed requests in its result; anything else is a bug.
  for (std::size_t i : order)
    if (errors[i]) std::rethrow_exception(errors[i]);
  std::vector<outcome> in_time;
  for (std::size_t i : order) in_time.push_back(std::move(outcomes[i]));
  co_return in_time;
}

net::awaitable<std::vector<outcome>> joined(std::string base, int n, lunch::timeline& tl) {
  auto here = co_await net::this_coro::executor;
  co_return co_await all_at_once(here, std::move(base), n, "join", tl);
}

// The failed requests of the whole run.
struct failures {
  int count = 0;
  std::string first;
};

// One line per phase: its time, and how many of its requests failed.
void report(const char* phase, double ms, const std::string& how,
            const std::vector<outcome>& got, failures& all) {
  int failed = 0;
  for (const auto& o : got) {
    if (o.error.empty()) continue;
    if (all.count + failed == 0) all.first = o.error;
    ++failed;
  }
  all.count += failed;
  std::printf("  %-11s %7.0f ms   %s", phase, ms, how.c_str());
  if (failed) std::printf("   %d of %zu FAILED", failed, got.size());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("http", "N GETs against a local latency server: sequential, joined, spawned.");
  int requests = 100;
  int threads = 2;
  int fail_percent = 0;
  auto latency = 50ms;
  cli.option("--requests", requests, "how many GETs in each phase", 1, 5000)
      .option("--latency", latency, "the server's latency per request", 0, 5000)
      .option("--threads", threads, "threads in the pool for the spawned phase", 1, 64)
      .option("--fail-percent", fail_percent,
              "share of requests the server answers with status 500", 0, 100)
      .offer_timeline();
  cli.parse(argc, argv);
  if (cli.smoke()) {
    requests = 4;
    latency = 10ms;
  }

  lunch::latency_server server({.latency = latency, .fail_rate = fail_percent / 100.0});
  const std::string base = server.url();
  std::printf("Server on %s, %lld ms per request; %d requests per phase.\n\n", base.c_str(),
              static_cast<long long>(latency.count()), requests);
  lunch::timeline tl;
  const auto deadline = std::chrono::milliseconds(requests * latency.count() * 2) + 30s;
  failures failed;

  lunch::stopwatch sw;
  auto got = lunch::run(sequential(base, requests, tl),
                        {.deadline = deadline, .what = "the sequential GETs"});
  report("sequential:", sw.ms(), "(one after another)", got, failed);

  sw = {};
  got = lunch::run(joined(base, requests, tl), {.deadline = deadline, .what = "the joined GETs"});
  report("joined:", sw.ms(), "(one thread, the waits overlap)", got, failed);

  net::thread_pool pool(static_cast<std::size_t>(threads));
  sw = {};
  got = lunch::run(all_at_once(pool.get_executor(), base, requests, "spawn", tl),
                   {.deadline = deadline, .what = "the spawned GETs"});
  report("spawned:", sw.ms(), "(" + std::to_string(threads) + " pool threads)", got, failed);
  pool.join();

  const auto stats = server.stats();
  std::printf("\nThe server answered %llu requests, at most %d at once.\n",
              static_cast<unsigned long long>(stats.served), stats.peak_in_flight);
  lunch::show(cli, tl);
  if (failed.count > 0) {
    std::fflush(stdout);
    std::fprintf(stderr, "demo http: %d of %d requests failed; the first: %s\n", failed.count,
                 3 * requests, failed.first.c_str());
    return 1;
  }
}
