// Tests for exercises/10_cancellation/graceful_shutdown.hpp
//
// A real server on 127.0.0.1 (a port the kernel picks) and real clients,
// all on the test's one thread. The sessions are the test's own: they echo
// lines until their client hangs up, and count themselves while they run.
// Each client connects, says hello and waits for the echo, so that its
// session is surely in flight when the shutdown is requested; then it
// either hangs up after `hold` (its session finishes) or stays until the
// server cuts it off. The shutdown request is a cancellation_signal bound
// to serve().
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "graceful_shutdown.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using tcp = net::ip::tcp;

namespace {

struct world {
  int sessions_alive = 0;    // sessions running now
  int sessions_started = 0;
  int echoed = 0;            // clients that got their first echo
  std::vector<double> cut_off_at;  // ms after the shutdown request
  lunch::stopwatch since_request;
};

// The test's session: echoes lines until the client hangs up (then it has
// finished, and returns); cancelled, it throws.
net::awaitable<void> echo_lines(world& w, tcp::socket s) {
  ++w.sessions_alive;
  ++w.sessions_started;
  struct leave {
    world& w;
    ~leave() { --w.sessions_alive; }
  } on_exit{w};
  std::string buf;
  for (;;) {
    auto [ec, n] = co_await net::async_read_until(s, net::dynamic_buffer(buf), '\n',
                                                  net::as_tuple(net::use_awaitable));
    if (ec == net::error::eof) co_return;
    if (ec) throw boost::system::system_error(ec);
    co_await net::async_write(s, net::buffer(buf.data(), n), net::use_awaitable);
    buf.erase(0, n);
  }
}

// A plain struct rather than a lambda: serve() keeps it for its whole run.
struct test_session {
  world* w;
  net::awaitable<void> operator()(tcp::socket s) const { return echo_lines(*w, std::move(s)); }
};

// A client: hello, the echo, then hang up after `hold`, or (no hold) wait
// until the server closes the connection.
net::awaitable<void> client(world& w, tcp::endpoint at, std::optional<ms> hold) {
  lunch::pending p(hold ? "a client that hangs up after " + std::to_string(hold->count()) + " ms"
                        : std::string("a client that stays until the server cuts it off"));
  tcp::socket s(co_await net::this_coro::executor);
  co_await s.async_connect(at, net::use_awaitable);
  co_await net::async_write(s, net::buffer("hello\n", 6), net::use_awaitable);
  std::string buf;
  co_await net::async_read_until(s, net::dynamic_buffer(buf), '\n', net::use_awaitable);
  ++w.echoed;
  if (hold) {
    co_await lunch::nap(*hold);
    s.shutdown(tcp::socket::shutdown_send);  // the session reads EOF: it has finished
    char c;
    co_await s.async_read_some(net::buffer(&c, 1), net::as_tuple(net::use_awaitable));
  } else {
    char c;
    co_await s.async_read_some(net::buffer(&c, 1), net::as_tuple(net::use_awaitable));
    w.cut_off_at.push_back(w.since_request.ms());
  }
}

// Whether a connection made now is accepted by the kernel.
net::awaitable<bool> can_connect(tcp::endpoint at) {
  tcp::socket s(co_await net::this_coro::executor);
  auto [ec] = co_await s.async_connect(at, net::as_tuple(net::use_awaitable));
  co_return !ec;
}

struct result {
  bool returned = false;
  std::string thrown = "nothing";
  shutdown_report report;
  double took_ms = 0;          // from the request to serve()'s return
  int alive_at_return = -1;    // sessions still running when it returned
  int started = 0;
  bool connect_after_request = false;
  std::vector<double> cut_off_at;
};

// Starts serve(), the clients, waits for every echo, requests the shutdown
// and watches what follows.
net::awaitable<result> scenario(std::vector<std::optional<ms>> holds, ms grace) {
  auto ex = co_await net::this_coro::executor;
  world w;
  tcp::acceptor acceptor(ex, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto at = acceptor.local_endpoint();
  result r;
  bool over = false;
  net::cancellation_signal shutdown;
  net::co_spawn(ex, serve(acceptor, grace, test_session{&w}),
                net::bind_cancellation_slot(shutdown.slot(),
                                            [&](std::exception_ptr e, shutdown_report rep) {
                                              r.took_ms = w.since_request.ms();
                                              r.alive_at_return = w.sessions_alive;
                                              if (e) r.thrown = lunch::describe(e);
                                              else r.returned = true;
                                              r.report = rep;
                                              over = true;
                                            }));
  lunch::task_group clients(ex);
  for (auto& h : holds) clients.spawn(client(w, at, h));
  {
    lunch::pending p("every client's first echo (the sessions are in flight)");
    while (w.echoed < static_cast<int>(holds.size())) co_await lunch::nap(1ms);
  }
  w.since_request = lunch::stopwatch();
  shutdown.emit(net::cancellation_type::terminal);
  co_await lunch::let_others_run();
  r.connect_after_request = co_await can_connect(at);
  {
    lunch::pending p("serve() to return after the shutdown request");
    while (!over) co_await lunch::nap(1ms);
  }
  co_await clients.wait();
  r.started = w.sessions_started;
  r.cut_off_at = w.cut_off_at;
  co_return r;
}

result run_scenario(std::vector<std::optional<ms>> holds, ms grace, const char* what) {
  return lunch::run(scenario(std::move(holds), grace), {.deadline = 5s, .what = what});
}

void check_common(const result& r) {
  CHECK_MESSAGE(r.returned, "serve() did not return a report; it ended with: " << r.thrown);
  CHECK_MESSAGE(!r.connect_after_request, "a connection made after the shutdown request was "
                "accepted: stop accepting means the acceptor is closed, so that it is refused");
  CHECK_MESSAGE(r.alive_at_return == 0, r.alive_at_return << " session(s) still running when "
                "serve() returned: every session must have ended by then");
}

}  // namespace

TEST_SUITE("graceful_shutdown") {

TEST_CASE("sessions in flight finish within the grace period; serve returns when the last one ends") {
  auto r = run_scenario({20ms, 40ms}, 2000ms, "serve() with 2 clients hanging up at 20 and 40 ms, grace 2 s");
  check_common(r);
  CHECK_MESSAGE((r.report.finished == 2 && r.report.cancelled == 0),
                "two sessions ended on their own within the grace period; the report says "
                "finished = " << r.report.finished << ", cancelled = " << r.report.cancelled);
  CHECK_MESSAGE(r.took_ms < 1000, "the last session ended about 40 ms after the request, but "
                "serve() returned after " << r.took_ms << " ms: it waited out the grace "
                "period (2 s) instead of returning when the sessions were done");
}

TEST_CASE("after the grace period the rest are cancelled, and counted apart") {
  auto r = run_scenario({20ms, std::nullopt, 40ms, std::nullopt}, 200ms,
                        "serve() with 2 clients that hang up and 2 that stay, grace 200 ms");
  check_common(r);
  CHECK_MESSAGE(r.report.finished == 2, "two sessions ended on their own (at about 20 and "
                "40 ms) within a grace period of 200 ms; the report says finished = "
                << r.report.finished << " (cancelled = " << r.report.cancelled << ")");
  CHECK_MESSAGE(r.report.cancelled == 2, "two sessions were still running when the grace "
                "period ended and had to be cancelled; the report says cancelled = "
                << r.report.cancelled << " (finished = " << r.report.finished << ")");
  CHECK_MESSAGE(r.cut_off_at.size() == 2, r.cut_off_at.size() << " of the 2 clients that "
                "stayed were cut off");
  for (double t : r.cut_off_at)
    CHECK_MESSAGE(t >= 190, "a client that stayed was cut off " << t << " ms after the "
                  "request, before the grace period of 200 ms was over");
  CHECK_MESSAGE(r.took_ms < 1500, "serve() returned " << r.took_ms << " ms after the request, "
                "with a grace period of 200 ms");
}

TEST_CASE("with no session in flight, serve returns at once with an empty report") {
  auto r = run_scenario({}, 2000ms, "serve() with no clients, grace 2 s");
  check_common(r);
  CHECK_MESSAGE((r.report.finished == 0 && r.report.cancelled == 0),
                "no session ever ran; the report says finished = " << r.report.finished
                << ", cancelled = " << r.report.cancelled);
  CHECK_MESSAGE(r.took_ms < 1000, "nothing to drain, yet serve() returned after " << r.took_ms
                << " ms (grace 2 s)");
}

}  // TEST_SUITE
