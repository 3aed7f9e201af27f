// See test_graceful_shutdown_harness.hpp. A real server on 127.0.0.1 (a
// port the kernel picks) and real clients, all on the test's one thread.
#include "test_graceful_shutdown_harness.hpp"

#include <boost/asio.hpp>

#include <exception>
#include <utility>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace graceful_shutdown_harness {
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

}  // namespace

net::awaitable<result> scenario(serve_fn serve, std::vector<std::optional<ms>> holds, ms grace) {
  auto ex = co_await net::this_coro::executor;
  world w;
  tcp::acceptor acceptor(ex, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto at = acceptor.local_endpoint();
  result r;
  bool over = false;
  net::cancellation_signal shutdown;
  net::co_spawn(ex, serve(acceptor, grace, test_session{&w}),
                net::bind_cancellation_slot(shutdown.slot(),
                                            [&](std::exception_ptr e, counts rep) {
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

}  // namespace graceful_shutdown_harness
