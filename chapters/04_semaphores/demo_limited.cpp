// Demo 04/limited: the talk's 100 HTTP queries against a server that
// refuses more than 10 at once, without and with a semaphore.
//
// The latency server (127.0.0.1, in this process) answers each request after
// --latency ms, but only while at most --server-max are in flight: above
// that it answers 429 Too Many Requests at once, as a rate-limited API does.
//   no limit   every GET is started at once: a few get 200, most get 429;
//   semaphore  the loop takes one of --limit permits before spawning each
//              GET, and the GET gives it back when it ends: no 429, and the
//              whole takes about requests / limit waves of the latency.
// With --timeline: the 429s pile up at the start of the first phase; the
// second draws one row per permit, each a string of back-to-back GETs.
#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/http.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// The smallest semaphore: a channel with room for N tokens, one per permit
// out. A permit gives its token back when it is destroyed; moved into a
// task, it lives exactly as long as that task (Tokio's acquire_owned).
// The async_semaphore exercise builds the full version.
using permits = net::experimental::concurrent_channel<void(error_code)>;

class [[nodiscard]] permit {
 public:
  explicit permit(permits& p) : p_(&p) {}
  permit(permit&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  permit& operator=(permit&&) = delete;
  ~permit() {
    if (p_) p_->try_receive([](error_code) {});
  }

 private:
  permits* p_;
};

net::awaitable<permit> acquire(permits& p) {
  co_await p.async_send(error_code{}, net::use_awaitable);
  co_return permit(p);
}

struct tally {
  int ok = 0;
  int refused = 0;
  int other = 0;
  void count(int status) { (status == 200 ? ok : status == 429 ? refused : other) += 1; }
};

// --- no limit ----------------------------------------------------------------

// One GET, drawn once its status is known: the 200s each get a row, the
// 429s share one (they all happen in the same few milliseconds).
net::awaitable<void> get_unlimited(std::string url, tally& t, lunch::timeline& tl) {
  const auto start = tl.now();
  const auto response = co_await lunch::http_get(std::move(url));
  t.count(response.status);
  tl.add({.name = "GET " + std::to_string(response.status),
          .lane = response.status == 200 ? "no limit, 200 #" + std::to_string(t.ok)
                                         : "no limit, " + std::to_string(response.status) + "s",
          .waiting_on = "the server",
          .thread = lunch::thread_index(),
          .start = start,
          .end = tl.now()});
}

net::awaitable<void> unlimited(std::string base, int n, tally& t, lunch::timeline& tl) {
  lunch::task_group group(co_await net::this_coro::executor);
  for (int i = 0; i < n; ++i)
    group.spawn(get_unlimited(base + "item/" + std::to_string(i), t, tl));
  co_await group.wait();
}

// --- a semaphore ----------------------------------------------------------------

// Which permit a task holds, for drawing only: the lowest free row. The
// demo runs on one thread, so a plain vector is enough.
struct rows {
  std::vector<bool> busy;
  int take() {
    std::size_t i = 0;
    while (i < busy.size() && busy[i]) ++i;
    if (i == busy.size()) busy.push_back(false);
    busy[i] = true;
    return static_cast<int>(i);
  }
  void give_back(int i) { busy[static_cast<std::size_t>(i)] = false; }
};

// The permit is a by-value parameter: it lives in this task's frame and is
// given back when the task ends, however it ends. Nothing reads it: it is
// kept for its destructor, like `let _permit = ...` in Rust.
net::awaitable<void> get_with([[maybe_unused]] permit held, std::string url, tally& t, rows& r,
                              lunch::timeline& tl) {
  const int row = r.take();
  auto span = tl.span("GET", "permit " + std::to_string(row + 1), "the server");
  const auto response = co_await lunch::http_get(std::move(url));
  t.count(response.status);
  r.give_back(row);
}

net::awaitable<void> limited(std::string base, int n, int limit, tally& t,
                             lunch::timeline& tl) {
  auto ex = co_await net::this_coro::executor;
  permits sem(ex, static_cast<std::size_t>(limit));
  lunch::task_group group(ex);
  rows r;
  for (int i = 0; i < n; ++i) {
    // The talk's loop: take a permit first (this waits while `limit` GETs
    // are out), then move it into the task.
    permit held = co_await acquire(sem);
    group.spawn(get_with(std::move(held), base + "item/" + std::to_string(i), t, r, tl));
  }
  co_await group.wait();
}

void report(const char* name, const tally& t, const lunch::server_stats& s, double ms) {
  std::printf("  %-10s %4d x 200  %4d x 429", name, t.ok, t.refused);
  if (t.other) std::printf("  %d other", t.other);
  std::printf("   server's peak in flight %3d   total %6.0f ms\n", s.peak_in_flight, ms);
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("limited",
                      "N GETs against a server that answers 429 above its limit: "
                      "no limit vs a semaphore.");
  int requests = 100;
  int limit = 10;
  int server_max = 10;
  auto latency = 100ms;
  cli.option("--requests", requests, "how many GETs in each phase", 1, 2000)
      .option("--limit", limit, "permits of the semaphore in the second phase", 1, 1000)
      .option("--server-max", server_max, "the server answers 429 above this many in flight", 1, 1000)
      .option("--latency", latency, "the server's latency per request", 1, 5000);
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) {
    requests = 12;
    limit = 3;
    server_max = 3;
    latency = 10ms;
  }

  lunch::latency_server server({.latency = latency, .max_in_flight = server_max});
  const std::string base = server.url();
  std::printf("Server on %s: %lld ms per request, 429 above %d in flight. %d GETs each way.\n\n",
              base.c_str(), static_cast<long long>(latency.count()), server_max, requests);
  lunch::timeline tl;
  const auto deadline = std::chrono::milliseconds(requests * latency.count() * 2) + 30s;

  tally free_for_all;
  lunch::stopwatch sw;
  lunch::run(unlimited(base, requests, free_for_all, tl),
             {.deadline = deadline, .what = "the GETs without a limit"});
  report("no limit", free_for_all, server.stats(), sw.ms());

  server.reset_stats();
  tally with_permits;
  sw = {};
  lunch::run(limited(base, requests, limit, with_permits, tl),
             {.deadline = deadline, .what = "the GETs under a semaphore"});
  report("semaphore", with_permits, server.stats(), sw.ms());

  const int waves = (requests + limit - 1) / limit;
  std::printf("\n%d permits: %d waves of %lld ms, about %lld ms. Each refused request "
              "would have to be sent again.\n",
              limit, waves, static_cast<long long>(latency.count()),
              static_cast<long long>(waves * latency.count()));
  lunch::show(cli, tl);
}
