// Demo 10/shutdown: a graceful shutdown on Ctrl-C.
//
// A server on 127.0.0.1 (a port the kernel picks) and a few clients of its
// own. Each client sends requests one after another; a request of N ms
// keeps its session busy N ms, then it answers. On SIGINT or SIGTERM (or
// after --after MS, so the demo can run unattended) the server:
//   1. stops accepting: the acceptor is closed, a newcomer is refused;
//   2. lets each session finish the request it is on, then close: the
//      sessions look at a "draining" flag between two requests;
//   3. after --grace ms, cancels the sessions still busy, through a
//      cancellation signal of their own, and waits until they have ended;
//   4. reports how many finished and how many were cancelled.
// The same plan is the graceful_shutdown exercise; there the sessions end
// on their own when their client hangs up.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <list>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using tcp = net::ip::tcp;

namespace {

lunch::stopwatch since_start;

void say(const std::string& what) { std::printf("  [%6.0f ms] %s\n", since_start.ms(), what.c_str()); }

struct server_state {
  bool draining = false;
  int running = 0, finished = 0, cancelled = 0, requests = 0;
};

// One session: reads "N\n", works N ms, answers "done\n"; between two
// requests it closes if the server is draining.
net::awaitable<void> session(server_state& st, tcp::socket s, int id) {
  std::string buf;
  while (!st.draining) {
    auto [ec, n] = co_await net::async_read_until(s, net::dynamic_buffer(buf), '\n',
                                                  net::as_tuple(net::use_awaitable));
    if (ec == net::error::eof) co_return;
    if (ec) throw boost::system::system_error(ec);
    const int work = std::stoi(buf.substr(0, n));
    buf.erase(0, n);
    net::steady_timer t(s.get_executor(), ms(work));
    co_await t.async_wait(net::use_awaitable);  // a cancellation lands here
    co_await net::async_write(s, net::buffer("done\n", 5), net::use_awaitable);
    ++st.requests;
  }
  say("session " + std::to_string(id) + " finished its request and closed");
}

net::awaitable<void> serve(tcp::acceptor& acceptor, ms grace) {
  using namespace net::experimental::awaitable_operators;
  auto ex = co_await net::this_coro::executor;
  server_state st;
  struct entry {
    net::cancellation_signal stop;
    bool over = false;
  };
  std::list<entry> sessions;
  net::steady_timer all_ended(ex, net::steady_timer::time_point::max());
  for (int id = 1;; ++id) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec) break;  // cancelled: the shutdown request
    auto& e = sessions.emplace_back();
    ++st.running;
    net::co_spawn(ex, session(st, std::move(socket), id),
                  net::bind_cancellation_slot(e.stop.slot(), [&, p = &e, id](std::exception_ptr x) {
                    ++(x ? st.cancelled : st.finished);
                    if (x) say("session " + std::to_string(id) + " cancelled");
                    p->over = true;
                    if (--st.running == 0) all_ended.cancel();
                  }));
  }
  co_await net::this_coro::reset_cancellation_state();  // we still have waiting to do
  acceptor.close();
  st.draining = true;
  say("acceptor closed; " + std::to_string(st.running) + " session(s) busy, grace " +
      std::to_string(grace.count()) + " ms");
  if (st.running > 0) {
    net::steady_timer g(ex, grace);
    co_await (all_ended.async_wait(net::as_tuple(net::use_awaitable)) || g.async_wait(net::use_awaitable));
  }
  if (st.running > 0)
    say("grace period over: cancelling " + std::to_string(st.running) +
        (st.running == 1 ? " session" : " sessions"));
  for (auto& e : sessions)
    if (!e.over) e.stop.emit(net::cancellation_type::terminal);
  while (st.running > 0) co_await all_ended.async_wait(net::as_tuple(net::use_awaitable));
  std::printf("\n  report: %d finished, %d cancelled, %d requests answered, %d sessions running\n",
              st.finished, st.cancelled, st.requests, st.running);
}

// A client: requests of `work` ms, one after another, until the server
// closes the connection.
net::awaitable<void> client(tcp::endpoint at, ms work) {
  tcp::socket s(co_await net::this_coro::executor);
  co_await s.async_connect(at, net::use_awaitable);
  std::string line = std::to_string(work.count()) + "\n", buf;
  for (;;) {
    auto [we, wn] = co_await net::async_write(s, net::buffer(line), net::as_tuple(net::use_awaitable));
    if (we) co_return;
    auto [ec, n] = co_await net::async_read_until(s, net::dynamic_buffer(buf), '\n',
                                                  net::as_tuple(net::use_awaitable));
    if (ec) co_return;
    buf.erase(0, n);
  }
}

net::awaitable<void> demo(ms after, ms grace, std::vector<ms> works) {
  using namespace net::experimental::awaitable_operators;
  auto ex = co_await net::this_coro::executor;
  tcp::acceptor acceptor(ex, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto at = acceptor.local_endpoint();
  std::printf("Server on 127.0.0.1:%u, %zu clients with requests of", at.port(), works.size());
  for (auto w : works) std::printf(" %lld", static_cast<long long>(w.count()));
  std::printf(" ms.\n");
  if (after > 0ms)
    std::printf("Shutting down after %lld ms (or on Ctrl-C).\n\n", static_cast<long long>(after.count()));
  else
    std::printf("Press Ctrl-C (or send SIGTERM) to shut it down.\n\n");

  net::cancellation_signal server_stop;
  bool server_over = false;
  std::exception_ptr server_error;
  net::co_spawn(ex, serve(acceptor, grace),
                net::bind_cancellation_slot(server_stop.slot(), [&](std::exception_ptr e) {
                  server_error = e;
                  server_over = true;
                }));
  int clients_left = static_cast<int>(works.size());
  for (auto w : works)
    net::co_spawn(ex, client(at, w), [&](std::exception_ptr) { --clients_left; });

  // The shutdown request: a signal, or --after.
  net::signal_set signals(ex, SIGINT, SIGTERM);
  net::steady_timer timer(ex, after > 0ms ? after : ms(24h));
  auto r = co_await (signals.async_wait(net::use_awaitable) || timer.async_wait(net::use_awaitable));
  say(r.index() == 0 ? "signal " + std::to_string(std::get<0>(r)) + ": shutdown requested"
                     : "--after " + std::to_string(after.count()) + " ms: shutdown requested");
  server_stop.emit(net::cancellation_type::terminal);

  net::steady_timer poll(ex);
  while (!server_over || clients_left > 0) {
    poll.expires_after(2ms);
    co_await poll.async_wait(net::use_awaitable);
  }
  if (server_error) std::rethrow_exception(server_error);
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("shutdown", "Ctrl-C: stop accepting, drain within a grace period, cancel the rest.");
  ms after = 0ms, grace = 1000ms;
  cli.option("--after", after, "shut down by itself after this long (0: wait for Ctrl-C)", 0, 3'600'000)
      .option("--grace", grace, "how long sessions may take to finish", 0, 600'000);
  cli.parse(argc, argv);
  std::vector<ms> works{150ms, 400ms, 700ms, 5000ms};
  if (cli.smoke()) {
    after = 60ms;
    grace = 100ms;
    works = {10ms, 30ms, 50ms, 2000ms};
  }
  since_start = lunch::stopwatch();
  lunch::run(demo(after, grace, works), {.deadline = after + grace + 24h, .what = "the server"});
}
