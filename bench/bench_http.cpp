// Requests per second of lunch::http_get against lunch::latency_server, both
// in this process, over loopback, with no configured latency: the cost of
// the machinery itself (connect, one request, one response, close).
//
// Each iteration sends N GETs at once from one coroutine per request and
// waits for them all; items_per_second is requests per second.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <stdexcept>
#include <string>

#include "lunch/http.hpp"

namespace net = boost::asio;

namespace {

void concurrent_gets(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  lunch::latency_server server;
  const std::string url = server.url() + "bench";
  for (auto _ : state) {
    net::io_context ctx;
    int ok = 0;
    for (int i = 0; i < n; ++i)
      net::co_spawn(ctx, lunch::http_get(url), [&ok](std::exception_ptr e, lunch::http_response r) {
        if (e) std::rethrow_exception(e);  // a failed request fails the benchmark loudly
        ok += r.status == 200;
      });
    ctx.run();
    if (ok != n) state.SkipWithError("a request did not get a 200");
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(concurrent_gets)->Arg(1)->Arg(10)->Arg(100)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
