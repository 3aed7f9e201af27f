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

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
    close(out_);
    close(err_);
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

  // The exit status, or -1 if it has not ended within `limit` (or died of a
  // signal).
  int wait(std::chrono::milliseconds limit) {
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

 private:
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
};

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
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
