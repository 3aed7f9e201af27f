// Demo 06/fetch_stream: the talk's stream pipeline, for real.
//
//   stream::iter(urls).map(fetch).buffer_unordered(8).collect().await
//
// in C++, with the chapter's reference adaptors (solutions/06_streams), the
// local latency server and real HTTP. Every stage is a coro; what each one
// yields is printed before the run. With 100 URLs, 8 at a time and 100 ms
// per request, the requests go in ceil(100 / 8) = 13 waves: about 1.3 s,
// and the server never sees more than 8 at once. --ordered runs the same
// pipeline through buffered(8); --jitter makes the latencies uneven, so
// the two orders differ.
#include <boost/asio.hpp>
// The channel headers before coro.hpp (see buffer_unordered.hpp).
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "../../solutions/06_streams/buffer_unordered.hpp"
#include "../../solutions/06_streams/buffered.hpp"
#include "../../solutions/06_streams/map_filter.hpp"
#include "lunch/demo.hpp"
#include "lunch/http.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using net::experimental::coro;
using namespace std::chrono_literals;

namespace {

// One answer: which URL, and its status. Default-constructible, because
// co_spawn hands a default value along with an exception.
struct fetched {
  std::string path;
  int status = 0;
};

// The source: the URLs, made one at a time as they are pulled.
coro<std::string> urls([[maybe_unused]] net::any_io_executor ex, std::string base, int count) {
  for (int i = 0; i < count; ++i) co_yield base + "item/" + std::to_string(i);
}

// One GET, drawn on the timeline. The URL is taken by value: the awaitable
// that `map` yields runs later, after the string it was made from is gone.
// `tl` is a reference on purpose: it outlives the whole pipeline.
net::awaitable<fetched> fetch(std::string url, lunch::timeline& tl) {
  std::string path = url.substr(url.find('/', std::string("http://").size()));
  auto span = tl.span("GET", path, "the server");
  const auto response = co_await lunch::http_get(std::move(url));
  co_return fetched{std::move(path), response.status};
}

net::awaitable<std::vector<fetched>> pipeline(std::string base, int count, int n, bool ordered,
                                              lunch::timeline& tl) {
  auto ex = co_await net::this_coro::executor;
  // Each line names the type it makes: know your items before and after.
  coro<std::string> addresses = urls(ex, std::move(base), count);
  coro<net::awaitable<fetched>> requests =
      map(std::move(addresses), [&tl](std::string url) { return fetch(std::move(url), tl); });
  coro<fetched> answers = ordered ? buffered(std::move(requests), n)
                                  : buffer_unordered(std::move(requests), n);
  co_return co_await collect(std::move(answers));
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("fetch_stream",
                      "URLs -> fetch -> buffer_unordered(N) -> collect, against a local latency server.");
  int count = 100;
  int n = 8;
  auto latency = 100ms;
  auto jitter = 0ms;
  bool ordered = false;
  cli.option("--urls", count, "how many URLs in the stream", 1, 5000)
      .option("--concurrency", n, "N of buffer_unordered(N): requests in flight at most", 1, 256)
      .option("--latency", latency, "the server's latency per request", 0, 5000)
      .option("--jitter", jitter, "latencies vary by up to this much either way", 0, 5000)
      .flag("--ordered", ordered, "use buffered(N): results in URL order");
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) {
    count = 8;
    n = 4;
    latency = 10ms;
  }

  lunch::latency_server server({.latency = latency, .jitter = jitter});
  const char* adaptor = ordered ? "buffered" : "buffer_unordered";
  std::printf("Server on %s, %lld ms per request (jitter %lld ms).\n\n", server.url().c_str(),
              static_cast<long long>(latency.count()), static_cast<long long>(jitter.count()));
  // The pipeline, stage by stage, with the type each stage is.
  const std::string stages[][2] = {
      {"urls(ex, base, " + std::to_string(count) + ")", "coro<std::string>"},
      {"map(_, fetch)", "coro<net::awaitable<fetched>>   requests, none started"},
      {std::string(adaptor) + "(_, " + std::to_string(n) + ")",
       "coro<fetched>                   at most " + std::to_string(n) + " in flight"},
      {"collect(_)", "net::awaitable<std::vector<fetched>>"},
  };
  for (const auto& [stage, type] : stages) std::printf("  %-28s %s\n", stage.c_str(), type.c_str());
  std::printf("\n");

  lunch::timeline tl;
  lunch::stopwatch sw;
  const auto deadline = std::chrono::milliseconds(count * (latency + jitter).count() * 2) + 30s;
  const auto answers = lunch::run(pipeline(server.url(), count, n, ordered, tl),
                                  {.deadline = deadline, .what = "the stream of GETs"});
  const double took = sw.ms();

  int ok = 0;
  for (const auto& a : answers) ok += a.status == 200;
  const int waves = (count + n - 1) / n;
  const auto stats = server.stats();
  std::printf("  %zu answers (%d with status 200) in %.0f ms\n", answers.size(), ok, took);
  std::printf("  predicted: ceil(%d / %d) = %d waves x %lld ms = %lld ms\n", count, n, waves,
              static_cast<long long>(latency.count()),
              static_cast<long long>(waves * latency.count()));
  std::printf("  the server saw at most %d requests in flight (the limit: %d)\n",
              stats.peak_in_flight, n);
  std::printf("  first answers, in the order they came:");
  for (std::size_t i = 0; i < answers.size() && i < 10; ++i)
    std::printf(" %s", answers[i].path.c_str());
  std::printf("%s\n", answers.size() > 10 ? " ..." : "");
  lunch::show(cli, tl);
}
