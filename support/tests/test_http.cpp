// Tests of lunch/http.hpp and of the lunch-serve program: real requests over
// loopback, made deterministic with the server's gate instead of with sleeps.
#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lunch/http.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"

extern char** environ;

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;

namespace {

// What one request came to: a response, or the error's message.
struct outcome {
  std::optional<lunch::http_response> response;
  std::string error;
};

net::awaitable<outcome> try_get(std::string url, std::chrono::milliseconds timeout) {
  outcome out;
  try {
    out.response = co_await lunch::http_get(std::move(url), timeout);
  } catch (const lunch::http_error& e) {
    out.error = e.what();
  }
  co_return out;
}

// Starts every GET at once, then waits for all: outcomes in input order.
net::awaitable<std::vector<outcome>> get_all(std::vector<std::string> urls,
                                             std::chrono::milliseconds timeout = 30s) {
  auto ex = co_await net::this_coro::executor;
  std::vector<decltype(net::co_spawn(ex, try_get("", timeout), net::deferred))> ops;
  for (auto& url : urls) ops.push_back(net::co_spawn(ex, try_get(std::move(url), timeout), net::deferred));
  auto [order, errors, outcomes] =
      co_await net::experimental::make_parallel_group(std::move(ops))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  co_return std::move(outcomes);
}

// The server's counters live on its thread; polling them every millisecond,
// under the test's deadline, is the simplest way to wait for a state.
net::awaitable<void> wait_until(const lunch::latency_server& server,
                                std::function<bool(const lunch::server_stats&)> ready) {
  net::steady_timer tick(co_await net::this_coro::executor);
  while (!ready(server.stats())) {
    tick.expires_after(1ms);
    co_await tick.async_wait(net::use_awaitable);
  }
}

// Opens the gate once `ready` holds. The reference is safe: the caller
// awaits this coroutine while the server is alive.
net::awaitable<void> release_when(lunch::latency_server& server,
                                  std::function<bool(const lunch::server_stats&)> ready) {
  co_await wait_until(server, std::move(ready));
  server.release();
}

// Destroys the server once `n` requests are in flight, timing the
// destructor. The references are safe: the test awaits this at once.
net::awaitable<void> destroy_when_busy(std::unique_ptr<lunch::latency_server>& server, int n,
                                       double& destroy_ms) {
  co_await wait_until(*server, [n](const auto& s) { return s.in_flight == n; });
  lunch::stopwatch sw;
  server.reset();
  destroy_ms = sw.ms();
}

std::vector<std::string> repeat(const std::string& url, int n) {
  return std::vector<std::string>(static_cast<std::size_t>(n), url);
}

std::map<int, int> count_statuses(const std::vector<outcome>& outcomes) {
  std::map<int, int> counts;
  for (const auto& o : outcomes) ++counts[o.response ? o.response->status : -1];
  return counts;
}

std::string first_error(const std::vector<outcome>& outcomes) {
  for (const auto& o : outcomes)
    if (!o.error.empty()) return o.error;
  return "(none)";
}

// A thousand connections are two thousand descriptors in this process (both
// ends live here). Raise the soft limit to the hard one when it is lower than
// that: the default soft limit on many systems is 1024.
bool enough_descriptors(rlim_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted) {
    lim.rlim_cur = std::min(wanted, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= wanted;
}

// Like wait_until, but gives up after `limit` and says whether `ready` came:
// a check can then report the counters instead of a deadline.
net::awaitable<bool> eventually(const lunch::latency_server& server,
                                std::function<bool(const lunch::server_stats&)> ready,
                                std::chrono::milliseconds limit) {
  net::steady_timer tick(co_await net::this_coro::executor);
  for (lunch::stopwatch sw; !ready(server.stats());) {
    if (sw.elapsed() > limit) co_return false;
    tick.expires_after(1ms);
    co_await tick.async_wait(net::use_awaitable);
  }
  co_return true;
}

// ------------------------------------------------- raw connections

// http_get always sends a whole request and reads a whole answer. A hostile
// client does not: it stays silent, trickles, pipelines or hangs up. These
// helpers do that over a plain socket.
net::awaitable<tcp::socket> connect_to(unsigned short port) {
  tcp::socket s(co_await net::this_coro::executor);
  co_await s.async_connect({net::ip::address_v4::loopback(), port}, net::use_awaitable);
  co_return s;
}

net::awaitable<void> send_text(tcp::socket& s, std::string text) {
  co_await net::async_write(s, net::buffer(text), net::use_awaitable);
}

// What a raw connection heard, whether the server closed it, and when.
struct heard {
  std::string text;
  bool closed = false;
  double ms = 0;  // from the call until the close, or until `limit`
};

// Reads until the server closes the connection or `limit` passes.
net::awaitable<heard> read_until_closed(tcp::socket& s, std::chrono::milliseconds limit) {
  heard out;
  lunch::stopwatch sw;
  net::steady_timer timer(s.get_executor());
  timer.expires_after(limit);
  char buf[4096];
  for (;;) {
    auto [order, read_ec, n, timer_ec] =
        co_await net::experimental::make_parallel_group(
            s.async_read_some(net::buffer(buf), net::deferred), timer.async_wait(net::deferred))
            .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
    out.text.append(buf, n);
    if (order[0] == 1) break;  // the limit
    if (read_ec) {
      out.closed = true;  // end of file, or a reset
      break;
    }
  }
  out.ms = sw.ms();
  co_return out;
}

// A slow-loris client: sends `head`, then one byte of `drip` every `every`,
// for as long as the server keeps the connection open (at most `limit`).
// `ms` counts from the end of `head`.
net::awaitable<heard> trickle(unsigned short port, std::string head, char drip,
                              std::chrono::milliseconds every, std::chrono::milliseconds limit) {
  auto s = co_await connect_to(port);
  co_await send_text(s, head);
  lunch::stopwatch sw;
  for (;;) {
    heard h = co_await read_until_closed(s, every);
    if (h.closed || sw.elapsed() > limit) {
      h.ms = sw.ms();
      co_return h;
    }
    auto [ec, n] = co_await net::async_write(s, net::buffer(&drip, 1),
                                             net::as_tuple(net::use_awaitable));
    if (ec) co_return heard{.closed = true, .ms = sw.ms()};
  }
}

// Opens a connection and says nothing, then reports when the server hung up.
net::awaitable<heard> stay_silent(unsigned short port, std::chrono::milliseconds limit) {
  auto s = co_await connect_to(port);
  co_return co_await read_until_closed(s, limit);
}

// Sends one request on a kept-alive connection, then stays idle; the time
// counts from the request, so it includes the answer and the idle wait.
net::awaitable<heard> one_request_then_idle(unsigned short port, std::chrono::milliseconds limit) {
  auto s = co_await connect_to(port);
  co_await send_text(s, "GET /once HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  co_return co_await read_until_closed(s, limit);
}

// Sends `first`, then `rest` while the server waits out the first request's
// latency (so the server's watch for a hang-up is what reads `rest`), then
// reads until the server closes.
net::awaitable<heard> pipeline(lunch::latency_server& server, std::string first,
                               std::string rest) {
  auto s = co_await connect_to(server.port());
  co_await send_text(s, std::move(first));
  co_await wait_until(server, [](const auto& st) { return st.in_flight == 1; });
  co_await send_text(s, std::move(rest));
  co_return co_await read_until_closed(s, 3s);
}

// Whether the server has closed an idle connection: it never sends on one,
// so a readable socket means end of file.
bool closed_by_server(tcp::socket& s) {
  pollfd p{s.native_handle(), POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) == 1;
}

// Opens `idle` silent connections, oldest first, then GETs `url`.
struct crowd {
  outcome got;
  double get_ms = 0;
  int closed = 0;            // idle connections the server has closed
  bool oldest_closed = false;
  bool newest_open = false;
};

net::awaitable<crowd> crowd_then_get(unsigned short port, int idle, std::string url,
                                     int expect_closed) {
  std::vector<tcp::socket> sockets;
  for (int i = 0; i < idle; ++i) sockets.push_back(co_await connect_to(port));
  crowd out;
  lunch::stopwatch sw;
  out.got = co_await try_get(url, 3s);
  out.get_ms = sw.ms();
  // The server closes as it accepts; give the end-of-files a moment to land.
  net::steady_timer tick(co_await net::this_coro::executor);
  for (lunch::stopwatch wait;;) {
    out.closed = static_cast<int>(std::count_if(sockets.begin(), sockets.end(), closed_by_server));
    if (out.closed >= expect_closed || wait.elapsed() > 2s) break;
    tick.expires_after(5ms);
    co_await tick.async_wait(net::use_awaitable);
  }
  out.oldest_closed = closed_by_server(sockets.front());
  out.newest_open = !closed_by_server(sockets.back());
  co_return out;
}

// Puts `n` requests for `target` in flight on raw connections, then hangs up
// all of them; returns whether in_flight came back to 0 within `limit`.
net::awaitable<bool> hang_up_in_flight(lunch::latency_server& server, std::string target, int n,
                                       std::chrono::milliseconds limit) {
  std::vector<tcp::socket> sockets;
  for (int i = 0; i < n; ++i) {
    sockets.push_back(co_await connect_to(server.port()));
    co_await send_text(sockets.back(), "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  }
  co_await wait_until(server, [n](const auto& s) { return s.in_flight == n; });
  for (auto& s : sockets) s.close();
  co_return co_await eventually(server, [](const auto& s) { return s.in_flight == 0; }, limit);
}

// Waits until `ready`, GETs `url`, then releases the gate.
net::awaitable<outcome> get_then_release(lunch::latency_server& server,
                                         std::function<bool(const lunch::server_stats&)> ready,
                                         std::string url) {
  co_await wait_until(server, std::move(ready));
  auto got = co_await try_get(std::move(url), 2s);
  server.release();
  co_return got;
}

// The header of the next answer in `rest` (without its blank line), which
// it removes from `rest`; "" when no whole header is left.
std::string take_header(std::string_view& rest) {
  const auto end = rest.find("\r\n\r\n");
  if (end == std::string_view::npos) return "";
  std::string head(rest.substr(0, end));
  rest.remove_prefix(end + 4);
  return head;
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

TEST_SUITE("latency server and http_get") {

TEST_CASE("a thousand concurrent GETs all get a 200 and none is lost") {
  REQUIRE_MESSAGE(enough_descriptors(2300),
                  "this test needs about 2,100 file descriptors: raise `ulimit -n`");
  lunch::latency_server server;  // no limit, no latency
  server.hold();
  // The gate opens only once all 1000 are in flight at the server at the
  // same time: proof that the client really ran them concurrently.
  auto fetch = get_all(repeat(server.url() + "item", 1000));
  auto gate = release_when(server, [](const auto& s) { return s.in_flight == 1000; });
  auto outcomes = lunch::run(std::move(fetch) && std::move(gate),
                             {.deadline = 60s, .what = "1000 concurrent GETs"});
  const auto counts = count_statuses(outcomes);
  INFO("first error: " << first_error(outcomes));
  CHECK(counts.at(200) == 1000);
  const auto stats = server.stats();
  CHECK(stats.served == 1000);
  CHECK(stats.received == 1000);
  CHECK(stats.peak_in_flight == 1000);
  CHECK(stats.in_flight == 0);
}

TEST_CASE("above max_in_flight the server answers 429, exactly as many as the load implies") {
  lunch::latency_server server({.max_in_flight = 10});
  server.hold();
  // 25 requests against a held gate: the first 10 are admitted and wait,
  // the other 15 are over the limit and answered 429 at once.
  auto fetch = get_all(repeat(server.url() + "limited", 25));
  auto gate = release_when(server, [](const auto& s) {
    return s.received == 25 && s.in_flight == 10 && s.rejected == 15;
  });
  auto outcomes = lunch::run(std::move(fetch) && std::move(gate),
                             {.deadline = 30s, .what = "25 GETs against a limit of 10"});
  const auto counts = count_statuses(outcomes);
  CHECK(counts.size() == 2);
  CHECK(counts.at(200) == 10);
  CHECK(counts.at(429) == 15);
  const auto stats = server.stats();
  CHECK(stats.peak_in_flight == 10);
  CHECK(stats.rejected == 15);
  CHECK(stats.served == 25);
  CHECK(stats.in_flight == 0);
}

TEST_CASE("/delay/N and /status/N override the latency and the status") {
  lunch::latency_server server;
  lunch::stopwatch sw;
  auto delayed = lunch::run(lunch::http_get(server.url() + "delay/120"), {.deadline = 10s});
  CHECK(sw.ms() >= 110.0);  // a lower bound only: never flaky on a busy machine
  CHECK(delayed.status == 200);
  CHECK(delayed.header("x-lunch-latency-ms") == "120");

  auto outcomes = lunch::run(get_all({server.url() + "status/503", server.url() + "status/404",
                                      server.url() + "status/abc", server.url() + "delay/x",
                                      server.url() + "anything?q=1"}),
                             {.deadline = 10s});
  CHECK(outcomes.at(0).response->status == 503);
  CHECK(outcomes.at(1).response->status == 404);
  CHECK_MESSAGE(outcomes.at(2).response->status == 400, "a malformed /status/ is a 400");
  CHECK_MESSAGE(outcomes.at(3).response->status == 400, "a malformed /delay/ is a 400");
  CHECK(outcomes.at(4).response->status == 200);
  CHECK(outcomes.at(4).response->body.find("/anything?q=1") != std::string::npos);
}

TEST_CASE("fail_rate 1 answers every request 500, fail_rate 0 none") {
  {
    lunch::latency_server always({.fail_rate = 1.0});
    auto outcomes = lunch::run(get_all(repeat(always.url(), 20)), {.deadline = 10s});
    CHECK(count_statuses(outcomes).at(500) == 20);
    CHECK(always.stats().failed == 20);
  }
  {
    lunch::latency_server never({.fail_rate = 0.0});
    auto outcomes = lunch::run(get_all(repeat(never.url(), 20)), {.deadline = 10s});
    CHECK(count_statuses(outcomes).at(200) == 20);
    CHECK(never.stats().failed == 0);
  }
  {
    // With a seed, which request numbers fail is fixed, so the count is too,
    // whatever order the concurrent requests arrive in.
    lunch::latency_server half({.fail_rate = 0.5, .seed = 7});
    int expected = 0;
    for (std::uint64_t n = 1; n <= 40; ++n) expected += half.jitter().chance(n) < 0.5;
    auto outcomes = lunch::run(get_all(repeat(half.url(), 40)), {.deadline = 10s});
    CHECK(half.stats().failed == static_cast<std::uint64_t>(expected));
    CHECK(count_statuses(outcomes)[500] == expected);
    CHECK(expected > 5);
    CHECK(expected < 35);
  }
}

TEST_CASE("jitter with the same seed gives the same latencies") {
  const lunch::jitter_source a(50ms, 20ms, 42), b(50ms, 20ms, 42), c(50ms, 20ms, 43);
  int same_as_other_seed = 0;
  auto low = 1000ms, high = 0ms;
  for (std::uint64_t n = 1; n <= 1000; ++n) {
    REQUIRE(a.latency(n) == b.latency(n));
    REQUIRE(a.chance(n) == b.chance(n));
    same_as_other_seed += a.latency(n) == c.latency(n);
    low = std::min(low, a.latency(n));
    high = std::max(high, a.latency(n));
    REQUIRE(a.chance(n) >= 0.0);
    REQUIRE(a.chance(n) < 1.0);
  }
  CHECK_MESSAGE(same_as_other_seed < 200, "another seed gives another sequence");
  CHECK(low >= 30ms);
  CHECK(high <= 70ms);
  CHECK_MESSAGE(low <= 33ms, "the jitter spreads over its whole range");
  CHECK(high >= 67ms);
  CHECK(lunch::jitter_source(5ms, 20ms, 1).latency(3) >= 0ms);

  // The server uses that very sequence: request n gets latency(n).
  lunch::latency_server server({.latency = 4ms, .jitter = 4ms, .seed = 42});
  auto outcomes = lunch::run(get_all(repeat(server.url(), 30)), {.deadline = 10s});
  for (const auto& o : outcomes) {
    REQUIRE(o.response);
    const auto n = std::stoull(o.response->header("X-Lunch-Request"));
    CHECK(o.response->header("X-Lunch-Latency-Ms") ==
          std::to_string(server.jitter().latency(n).count()));
  }
}

TEST_CASE("the client's timeout fires with a message naming the URL") {
  lunch::latency_server server;
  const std::string url = server.url() + "delay/5000";
  lunch::stopwatch sw;
  auto o = lunch::run(try_get(url, 100ms), {.deadline = 10s});
  CHECK(sw.ms() < 4000.0);
  CHECK_FALSE(o.response);
  INFO("the error was: " << o.error);
  CHECK(o.error.find(url) != std::string::npos);
  CHECK(o.error.find("timed out after 100 ms") != std::string::npos);
}

TEST_CASE("connecting to a closed port, or to a URL off this machine, fails clearly") {
  unsigned short port = 0;
  {
    lunch::latency_server gone;  // learn a free port, then free it
    port = gone.port();
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto o = lunch::run(try_get(url, 5s), {.deadline = 10s});
  INFO("the error was: " << o.error);
  CHECK(o.error.find(url) != std::string::npos);
  CHECK(o.error.find("connection refused") != std::string::npos);

  for (const char* bad : {"https://127.0.0.1:1/", "http://example.com/", "ftp://localhost/",
                          "http://127.0.0.1:99999/"}) {
    auto r = lunch::run(try_get(bad, 1s), {.deadline = 10s});
    INFO("the error was: " << r.error);
    CHECK(r.error.find(bad) != std::string::npos);
  }
  auto local = lunch::run(try_get("https://localhost/", 1s), {.deadline = 10s});
  CHECK(local.error.find("only http://127.0.0.1:PORT/") != std::string::npos);
}

TEST_CASE("localhost URLs work, and http_get works from a multi-threaded io_context") {
  lunch::latency_server server({.latency = 5ms});
  const std::string url = "http://localhost:" + std::to_string(server.port()) + "/mt";
  net::io_context ctx;
  std::mutex m;
  std::map<int, int> statuses;
  std::vector<std::string> errors;
  for (int i = 0; i < 200; ++i) {
    net::co_spawn(ctx, lunch::http_get(url), [&](std::exception_ptr e, lunch::http_response r) {
      std::lock_guard lock(m);
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          errors.push_back(x.what());
        }
      } else {
        ++statuses[r.status];
      }
    });
  }
  lunch::run_until_done(ctx, {.deadline = 30s, .threads = 4, .what = "200 GETs on 4 threads"});
  INFO("first error: " << (errors.empty() ? "(none)" : errors.front()));
  CHECK(errors.empty());
  CHECK(statuses[200] == 200);
  CHECK(server.stats().served == 200);
}

TEST_CASE("the server stops cleanly with requests in flight") {
  auto server = std::make_unique<lunch::latency_server>(lunch::server_options{.latency = 10s});
  const std::string url = server->url() + "slow";
  auto fetch = get_all(repeat(url, 20), 30s);
  // Once all 20 are in flight, destroy the server from the client's own
  // thread: the destructor must return quickly, and every client must get
  // an answer or an error rather than hang.
  double destroy_ms = -1;
  auto stop = destroy_when_busy(server, 20, destroy_ms);
  lunch::stopwatch total;
  auto outcomes = lunch::run(std::move(fetch) && std::move(stop),
                             {.deadline = 20s, .what = "20 GETs while the server stops"});
  CHECK(destroy_ms >= 0.0);
  CHECK_MESSAGE(destroy_ms < 3000.0, "stop() must not wait for the 10 s latency");
  CHECK(total.ms() < 9000.0);
  for (const auto& o : outcomes) {
    INFO("error: " << o.error);
    CHECK((o.response.has_value() || o.error.find(url) != std::string::npos));
  }
}

TEST_CASE("hold() keeps admitted requests in flight until release(), and stats can be reset") {
  lunch::latency_server server;
  server.hold();
  auto fetch = get_all(repeat(server.url(), 3));
  auto gate = release_when(server, [](const auto& s) { return s.in_flight == 3; });
  auto outcomes = lunch::run(std::move(fetch) && std::move(gate), {.deadline = 10s});
  CHECK(count_statuses(outcomes).at(200) == 3);
  server.reset_stats();
  const auto s = server.stats();
  CHECK(s.served == 0);
  CHECK(s.peak_in_flight == 0);
  // After release() the gate stays open.
  auto again = lunch::run(lunch::http_get(server.url()), {.deadline = 10s});
  CHECK(again.status == 200);
  CHECK(again.header("X-Lunch-Request") == "4");  // numbering carries on
}

TEST_CASE("the server listens on 127.0.0.1 only") {
  lunch::latency_server server;
  // 127.0.0.2 is loopback too, so this never leaves the machine; a server
  // bound to 0.0.0.0 (every address) would accept there.
  auto here = lunch::run(try_get(server.url(), 2s), {.deadline = 5s});
  CHECK(here.response);
  net::io_context ctx;
  tcp::socket s(ctx);
  boost::system::error_code ec;
  s.connect({net::ip::make_address_v4("127.0.0.2"), server.port()}, ec);
  CHECK_MESSAGE(ec == net::error::connection_refused,
                "a connection to 127.0.0.2 should be refused, got: " << ec.message());
}

TEST_CASE("idle connections beyond max_connections are closed, oldest first, and a GET is still answered") {
  lunch::latency_server server({.max_connections = 50});
  // 200 silent connections, then a real request: 201 connections against a
  // limit of 50, so at least 151 must have been closed to make room.
  auto c = lunch::run(crowd_then_get(server.port(), 200, server.url() + "hello", 151),
                      {.deadline = 10s, .what = "200 idle connections, then a GET"});
  INFO("the GET's error: " << c.got.error);
  REQUIRE(c.got.response);
  CHECK(c.got.response->status == 200);
  CHECK_MESSAGE(c.get_ms < 2000.0, "the GET took " << c.get_ms << " ms behind 200 idle connections");
  CHECK_MESSAGE(c.closed >= 151, "only " << c.closed << " of 200 idle connections were closed "
                                         "to keep within a limit of 50");
  CHECK_MESSAGE(c.oldest_closed, "the connection idle the longest should go first");
  CHECK_MESSAGE(c.newest_open, "the newest idle connection should still be open");
  CHECK(server.stats().connections <= 50);
}

TEST_CASE("beyond max_connections, with every connection busy, a newcomer gets 503 at once") {
  lunch::latency_server server({.max_connections = 2});
  server.hold();
  auto busy = get_all(repeat(server.url() + "busy", 2), 5s);
  auto third = get_then_release(server, [](const auto& s) { return s.in_flight == 2; },
                                server.url() + "third");
  // Named, not a structured binding: clang 14 cannot capture one in INFO.
  auto both = lunch::run(std::move(busy) && std::move(third),
                         {.deadline = 10s, .what = "a third GET over a limit of 2"});
  const auto& first_two = std::get<0>(both);
  const outcome& refused = std::get<1>(both);
  INFO("the third GET's error: " << refused.error);
  REQUIRE(refused.response);
  CHECK(refused.response->status == 503);
  CHECK(refused.response->header("Retry-After") == "1");
  CHECK(count_statuses(first_two).at(200) == 2);
  CHECK(server.stats().peak_in_flight == 2);
}

TEST_CASE("a silent connection is closed after header_timeout, an idle kept-alive one after idle_timeout") {
  lunch::latency_server server({.header_timeout = 100ms, .idle_timeout = 300ms});
  auto both = lunch::run(stay_silent(server.port(), 3s) && one_request_then_idle(server.port(), 3s),
                         {.deadline = 10s, .what = "a silent and an idle connection"});
  const heard& silent = std::get<0>(both);
  const heard& idle = std::get<1>(both);
  CHECK_MESSAGE(silent.closed, "a connection that sent nothing was still open after 3 s");
  CHECK(silent.ms >= 80.0);
  CHECK(silent.ms < 2000.0);
  INFO("the idle connection heard: " << idle.text);
  CHECK(idle.text.starts_with("HTTP/1.1 200"));
  CHECK_MESSAGE(idle.closed, "a kept-alive connection idle for 3 s was still open");
  CHECK_MESSAGE(idle.ms >= 240.0, "an idle kept-alive connection was closed after " << idle.ms
                                      << " ms, before its idle_timeout of 300 ms");
  CHECK(idle.ms < 2500.0);
}

TEST_CASE("a client trickling its header or its body is cut off after header_timeout or body_timeout") {
  lunch::latency_server server({.header_timeout = 300ms, .body_timeout = 300ms});
  // A byte every 40 ms: any timeout that restarts with each read never fires.
  auto slow_header = trickle(server.port(), "GET /h HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 'a',
                             40ms, 3s);
  auto slow_body = trickle(server.port(),
                           "POST /b HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n",
                           'b', 40ms, 3s);
  auto [header, body] = lunch::run(std::move(slow_header) && std::move(slow_body),
                                   {.deadline = 10s, .what = "two slow-loris clients"});
  CHECK_MESSAGE(header.closed, "a header trickled for 3 s was still being read");
  CHECK_MESSAGE(body.closed, "a body shorter than its Content-Length kept its connection for 3 s");
  CHECK(header.ms >= 200.0);
  CHECK(header.ms < 2000.0);
  CHECK(body.ms >= 250.0);
  CHECK(body.ms < 2000.0);
  CHECK(server.stats().received == 0);
}

TEST_CASE("a request whose client hangs up leaves flight at once, and its slot goes to the next") {
  lunch::latency_server server({.max_in_flight = 2});
  // Two clients ask for a ten-minute delay and hang up: without noticing,
  // the server would answer 429 to everyone for ten minutes.
  const bool dropped = lunch::run(hang_up_in_flight(server, "/delay/600000", 2, 2s),
                                  {.deadline = 10s, .what = "two abandoned /delay/600000"});
  CHECK_MESSAGE(dropped, "two requests whose clients hung up still count in flight after 2 s: "
                             << server.stats().in_flight);
  auto next = lunch::run(try_get(server.url() + "next", 2s), {.deadline = 5s});
  INFO("error: " << next.error);
  REQUIRE(next.response);
  CHECK_MESSAGE(next.response->status == 200, "the next request got " << next.response->status);
  CHECK(server.stats().abandoned == 2);
  CHECK(server.stats().served == 1);
}

TEST_CASE("a request held at the gate whose client hangs up leaves flight at once") {
  lunch::latency_server server;
  server.hold();
  const bool dropped = lunch::run(hang_up_in_flight(server, "/held", 1, 2s),
                                  {.deadline = 10s, .what = "an abandoned held request"});
  CHECK_MESSAGE(dropped, "a held request whose client hung up still counts in flight after 2 s");
  CHECK(server.stats().abandoned == 1);
}

TEST_CASE("/status/1xx is refused with 400: an interim status is no answer") {
  lunch::latency_server server;
  auto outcomes = lunch::run(get_all({server.url() + "status/100", server.url() + "status/101",
                                      server.url() + "status/199"}, 2s),
                             {.deadline = 10s});
  for (const auto& o : outcomes) {
    INFO("error: " << o.error);
    REQUIRE(o.response);
    CHECK(o.response->status == 400);
  }
}

TEST_CASE("204 and 304 come without a body, so the next answer on the connection reads right") {
  lunch::latency_server server;
  // The later requests arrive while the first waits its 150 ms: they must be
  // kept for their turn, not lost to the server's watch for a hang-up.
  const auto h = lunch::run(
      pipeline(server, "GET /delay/150 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
               "GET /status/204 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
               "GET /status/304 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
               "GET /last HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
      {.deadline = 10s, .what = "four pipelined requests"});
  INFO("the connection heard:\n" << h.text);
  std::string_view rest = h.text;
  CHECK(take_header(rest).starts_with("HTTP/1.1 200"));
  rest.remove_prefix(std::min(rest.find("HTTP/"), rest.size()));  // the delay's body
  const std::string no_content = take_header(rest);
  const std::string not_modified = take_header(rest);
  const std::string last = take_header(rest);
  CHECK(no_content.starts_with("HTTP/1.1 204"));
  CHECK_MESSAGE(lower(no_content).find("content-length") == std::string::npos,
                "a 204 must not carry Content-Length");
  CHECK_MESSAGE(not_modified.starts_with("HTTP/1.1 304"), "after the 204's header came another answer");
  CHECK_MESSAGE(last.starts_with("HTTP/1.1 200"), "after the 304's header came the next answer");
  CHECK(h.closed);
  CHECK(server.stats().served == 4);
}

}  // TEST_SUITE

// ---------------------------------------------------------------- lunch-serve

namespace {

// A child process with its stdout and stderr on pipes. The destructor kills
// and reaps it if it is still running, so a failing check never leaves a
// stray server behind.
class child {
 public:
  explicit child(std::vector<std::string> args) {
    int out[2], err[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(pipe2(err, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
    REQUIRE_MESSAGE(rc == 0, "cannot start " << args[0]);
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
    close(err_);
  }

  // Stops reading the child's stdout, as `lunch serve | head -1` does once
  // it has its line: the child's next write finds no reader.
  void close_stdout() {
    close(out_);
    out_ = -1;
  }

  // One line of stdout, without the newline; "" after `limit` or at EOF.
  std::string read_line(std::chrono::milliseconds limit) {
    std::string line;
    lunch::stopwatch sw;
    char c = 0;
    while (sw.elapsed() < limit) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      if (read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

  // The rest of a stream, once the child has closed it.
  static std::string drain(int fd) {
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    return text;
  }
  std::string rest_of_stdout() { return drain(out_); }
  std::string all_of_stderr() { return drain(err_); }

  void signal(int sig) { kill(pid_, sig); }

  // The exit status; -1 if it died of a signal, or if it has not ended
  // within `limit`, in which case it is killed: its pipes then close, so
  // reading them to the end cannot hang the test.
  int wait(std::chrono::milliseconds limit) {
    const int status = wait_only(limit);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_only(5s);
    }
    return status;
  }

 private:
  int wait_only(std::chrono::milliseconds limit) {
    lunch::stopwatch sw;
    while (sw.elapsed() < limit) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(5000);
    }
    return -1;
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
};

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// While it lives, children start as under `ulimit -n n`: they inherit this
// process's soft limit, which is lowered for the meantime and then restored.
class descriptor_limit_for_children {
 public:
  explicit descriptor_limit_for_children(rlim_t n) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min(n, saved_.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lowered);
  }
  descriptor_limit_for_children(const descriptor_limit_for_children&) = delete;
  descriptor_limit_for_children& operator=(const descriptor_limit_for_children&) = delete;
  ~descriptor_limit_for_children() { setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

// The URL of a lunch-serve child, read from its first line ("" if none).
std::string served_url(child& serve) {
  const std::string first = serve.read_line(10s);
  const std::string prefix = "Serving on ";
  return first.starts_with(prefix) ? first.substr(prefix.size()) : "";
}

unsigned short port_of(const std::string& url) {
  return static_cast<unsigned short>(std::stoi(url.substr(std::string("http://127.0.0.1:").size())));
}

// GETs each URL in turn, each on its own connection.
net::awaitable<std::vector<outcome>> get_each(std::vector<std::string> urls) {
  std::vector<outcome> out;
  for (auto& url : urls) out.push_back(co_await try_get(std::move(url), 3s));
  co_return out;
}

}  // namespace

TEST_SUITE("lunch-serve") {

TEST_CASE("lunch-serve --port 0 prints a URL that answers, and exits 0 on SIGTERM") {
  child serve({LUNCH_SERVE_PATH, "--port", "0", "--latency", "5"});
  const std::string first = serve.read_line(10s);
  const std::string prefix = "Serving on ";
  REQUIRE_MESSAGE(first.starts_with(prefix), "first line was: '" << first << "'");
  const std::string url = first.substr(prefix.size());
  CHECK(url.starts_with("http://127.0.0.1:"));
  auto res = lunch::run(lunch::http_get(url + "hello", 5s), {.deadline = 10s});
  CHECK(res.status == 200);
  serve.signal(SIGTERM);
  CHECK(serve.wait(10s) == 0);
  const std::string rest = serve.rest_of_stdout();
  INFO("its output: " << rest);
  CHECK(rest.find("GET /hello -> 200") != std::string::npos);
  CHECK(rest.find("served 1") != std::string::npos);
}

TEST_CASE("lunch-serve with a bad flag says so in one line and exits 2") {
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"}, {"--fail-rate", "2"}, {"--port", "-3"}, {"--latency", "soon"}};
  for (auto args : cases) {
    args.insert(args.begin(), LUNCH_SERVE_PATH);
    child serve(args);
    CHECK(serve.wait(10s) == 2);
    const std::string err = serve.all_of_stderr();
    INFO("flag " << args[1] << ", stderr: " << err);
    CHECK(count_lines(err) == 1);
    CHECK(err.starts_with("lunch serve: "));
  }
}

TEST_CASE("lunch-serve refuses nan, inf, negative, out-of-range and non-numeric values in one line") {
  const std::vector<std::vector<std::string>> cases = {
      {"--fail-rate", "nan"},         {"--fail-rate", "inf"},     {"--fail-rate", "-0.5"},
      {"--latency", "-1"},            {"--jitter", "nan"},        {"--latency", "1e3"},
      {"--port", "65536"},            {"--port", "0x10"},         {"--seed", "-1"},
      {"--max-in-flight", "99999999999999999999"},                {"--header-timeout", "0"},
      {"--idle-timeout", "forever"},  {"--max-connections", "-5"}};
  for (auto args : cases) {
    args.insert(args.begin(), LUNCH_SERVE_PATH);
    child serve(args);
    const int status = serve.wait(5s);
    const std::string err = serve.all_of_stderr();
    INFO(args[1] << " " << args[2] << ": exit status " << status << ", stderr: " << err);
    CHECK(status == 2);
    CHECK(count_lines(err) == 1);
    CHECK(err.starts_with("lunch serve: "));
    CHECK(err.find(args[1]) != std::string::npos);
  }
}

TEST_CASE("lunch-serve --help lists its options") {
  child serve({LUNCH_SERVE_PATH, "--help"});
  CHECK(serve.wait(10s) == 0);
  const std::string help = serve.rest_of_stdout();
  INFO("help: " << help);
  for (const char* flag : {"--latency", "--max-in-flight", "--fail-rate", "--header-timeout",
                           "--body-timeout", "--idle-timeout", "--max-connections"})
    CHECK(help.find(flag) != std::string::npos);
}

TEST_CASE("lunch-serve keeps serving when its stdout is closed, and still exits 0 on SIGTERM") {
  child serve({LUNCH_SERVE_PATH, "--port", "0"});
  const std::string url = served_url(serve);
  REQUIRE_MESSAGE(!url.empty(), "lunch-serve printed no URL");
  serve.close_stdout();  // `lunch-serve | head -1`
  // Each answer is logged after it is sent: the first one's log line meets
  // the closed pipe, the next ones show whether the server survived it.
  auto outcomes = lunch::run(get_each(repeat(url + "after-close", 3)),
                             {.deadline = 15s, .what = "GETs to a server whose stdout is closed"});
  for (const auto& o : outcomes) {
    INFO("error: " << o.error);
    CHECK((o.response && o.response->status == 200));
  }
  serve.signal(SIGTERM);
  CHECK_MESSAGE(serve.wait(10s) == 0, "lunch-serve died instead of exiting 0 on SIGTERM");
}

TEST_CASE("lunch-serve under `ulimit -n 128` still answers while 200 connections sit idle") {
  std::optional<child> serve;
  {
    const descriptor_limit_for_children limit(128);
    serve.emplace(std::vector<std::string>{LUNCH_SERVE_PATH, "--port", "0"});
  }
  const std::string url = served_url(*serve);
  REQUIRE_MESSAGE(!url.empty(), "lunch-serve printed no URL");
  // Without a connection limit the server runs out of descriptors, stops
  // accepting, and the GET waits behind the idle crowd until it times out.
  auto c = lunch::run(crowd_then_get(port_of(url), 200, url + "hello", 0),
                      {.deadline = 10s, .what = "200 idle connections, then a GET"});
  INFO("the GET's error: " << c.got.error);
  REQUIRE(c.got.response);
  CHECK(c.got.response->status == 200);
  serve->signal(SIGTERM);
  CHECK(serve->wait(10s) == 0);
}

TEST_CASE("lunch-serve on a port in use says so in one line and exits 2") {
  lunch::latency_server busy;
  child serve({LUNCH_SERVE_PATH, "--port", std::to_string(busy.port())});
  CHECK(serve.wait(10s) == 2);
  const std::string err = serve.all_of_stderr();
  INFO("stderr: " << err);
  CHECK(count_lines(err) == 1);
  CHECK(err.find("port " + std::to_string(busy.port()) + " is in use") != std::string::npos);
}

}  // TEST_SUITE
