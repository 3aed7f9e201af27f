// See test_line_server_harness.hpp. The scenarios run on one thread; each
// reply that must arrive before the next step is awaited with a short limit
// of its own, so that "never answered" reads as such, not as a deadline.
#include "test_line_server_harness.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cctype>
#include <exception>
#include <memory>
#include <optional>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace line_server_harness {
namespace {

// A client: its socket and its own read buffer (which, as in the server,
// must outlive each read).
struct client {
  tcp::socket socket;
  std::string buffer;
};

net::awaitable<client> connect_to(tcp::endpoint server) {
  auto ex = co_await net::this_coro::executor;  // not inside a braced initializer (g++ 12)
  client c{tcp::socket(ex), {}};
  co_await c.socket.async_connect(server, net::use_awaitable);
  co_return c;
}

net::awaitable<void> send(client& c, std::string text) {
  co_await net::async_write(c.socket, net::buffer(text), net::as_tuple(net::use_awaitable));
}

// The next line from the server, '\n' included; "<closed>" when the server
// closed the connection (end of file or reset) before a whole line came.
net::awaitable<std::string> read_line(client& c) {
  auto [ec, n] = co_await net::async_read_until(c.socket, net::dynamic_buffer(c.buffer), '\n',
                                                net::as_tuple(net::use_awaitable));
  if (ec) co_return "<closed>";
  std::string line = c.buffer.substr(0, n);
  c.buffer.erase(0, n);
  co_return line;
}

// The same, or "<no reply within N ms>".
net::awaitable<std::string> read_line_within(client& c, std::chrono::milliseconds limit) {
  net::steady_timer timer(co_await net::this_coro::executor, limit);
  auto [order, ec, n, ec_timer] =
      co_await net::experimental::make_parallel_group(
          net::async_read_until(c.socket, net::dynamic_buffer(c.buffer), '\n', net::deferred),
          timer.async_wait(net::deferred))
          .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
  if (order[0] == 1) co_return "<no reply within " + std::to_string(limit.count()) + " ms>";
  if (ec) co_return "<closed>";
  std::string line = c.buffer.substr(0, n);
  c.buffer.erase(0, n);
  co_return line;
}

bool is_operation_aborted(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& x) {
    return x.code() == net::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

// line_server on 127.0.0.1, port 0. What it throws (a TODO, say) is
// rethrown from its completion handler, which ends the run at once; an
// accept aborted by close() is its normal end.
struct server {
  tcp::acceptor acceptor;
  tcp::endpoint endpoint;
  // Named in a deadline report from stop() until line_server returns.
  std::shared_ptr<std::optional<lunch::pending>> stopping =
      std::make_shared<std::optional<lunch::pending>>();

  server(net::any_io_executor ex, const server_fn& line_server, std::size_t max_line)
      : acceptor(ex, {net::ip::make_address("127.0.0.1"), 0}),
        endpoint(acceptor.local_endpoint()) {
    net::co_spawn(ex, line_server(acceptor, max_line), [stopping = stopping](std::exception_ptr e) {
      stopping->reset();
      if (e && !is_operation_aborted(e)) std::rethrow_exception(e);
    });
  }
  // Closing the acceptor must end line_server.
  void stop() {
    stopping->emplace("line_server, which should return once its acceptor is closed");
    acceptor.close();
  }
};

net::awaitable<void> a_short_client(tcp::endpoint server, int i, std::vector<std::string>& bad) {
  lunch::pending p("client " + std::to_string(i) +
                   " waits for its answers while another client is halfway through a line");
  client c = co_await connect_to(server);
  for (int line = 0; line < 3; ++line) {
    const std::string text = "client " + std::to_string(i) + " line " + std::to_string(line);
    co_await send(c, text + "\n");
    std::string expected = text + "\n";
    for (char& ch : expected) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const std::string reply = co_await read_line(c);
    if (reply != expected) bad.push_back("got \"" + reply + "\" for \"" + text + "\"");
  }
}

}  // namespace

net::awaitable<std::vector<std::string>> one_client_many_shapes(server_fn line_server) {
  auto ex = co_await net::this_coro::executor;
  server s(ex, line_server, 64);
  std::vector<std::string> got;
  client c = co_await connect_to(s.endpoint);
  co_await send(c, "hello World 42\n");
  got.push_back(co_await read_line_within(c, 1s));
  co_await send(c, "one\ntwo\nthree\n");  // three lines in one write
  for (int i = 0; i < 3; ++i) got.push_back(co_await read_line_within(c, 1s));
  co_await send(c, "spl");  // one line in three writes
  co_await lunch::nap(10ms);
  co_await send(c, "it li");
  co_await lunch::nap(10ms);
  co_await send(c, "ne\n");
  got.push_back(co_await read_line_within(c, 1s));
  c.socket.close();
  s.stop();
  co_return got;
}

net::awaitable<crowd_result> a_crowd_beside_a_slow_client(server_fn line_server) {
  auto ex = co_await net::this_coro::executor;
  server s(ex, line_server, 64);
  crowd_result r;
  client slow = co_await connect_to(s.endpoint);
  co_await send(slow, "half");  // and no '\n' yet
  co_await lunch::let_others_run();
  {
    lunch::task_group crowd(ex);
    for (int i = 0; i < 20; ++i) crowd.spawn(a_short_client(s.endpoint, i, r.bad));
    co_await crowd.wait();
  }
  co_await send(slow, "way\n");
  r.slow_client_reply = co_await read_line(slow);
  s.stop();
  co_return r;
}

net::awaitable<limit_result> lines_at_the_limit(server_fn line_server, std::size_t max_line) {
  auto ex = co_await net::this_coro::executor;
  server s(ex, line_server, max_line);
  limit_result r;
  client c = co_await connect_to(s.endpoint);
  co_await send(c, std::string(max_line, 'a') + "\n");
  r.at_limit = co_await read_line_within(c, 2s);
  client d = co_await connect_to(s.endpoint);
  co_await send(d, std::string(max_line + 1, 'b') + "\n");
  r.over_limit = co_await read_line_within(d, 2s);
  co_await send(d, "after\n");
  r.after = co_await read_line_within(d, 2s);
  s.stop();
  co_return r;
}

net::awaitable<limit_result> a_huge_line(server_fn line_server, std::size_t max_line,
                                         std::size_t huge) {
  auto ex = co_await net::this_coro::executor;
  server s(ex, line_server, max_line);
  limit_result r;
  client c = co_await connect_to(s.endpoint);
  co_await send(c, std::string(huge, 'x'));  // no '\n'
  r.over_limit = co_await read_line_within(c, 1s);
  co_await send(c, "\nafter\n");
  r.after = co_await read_line_within(c, 2s);
  s.stop();
  co_return r;
}

net::awaitable<std::string> a_client_leaves_mid_line(server_fn line_server) {
  auto ex = co_await net::this_coro::executor;
  server s(ex, line_server, 64);
  {
    client gone = co_await connect_to(s.endpoint);
    co_await send(gone, "i was about to say");
    co_await lunch::let_others_run();
  }  // closed here, mid-line
  co_await lunch::nap(20ms);
  client next = co_await connect_to(s.endpoint);
  co_await send(next, "still there?\n");
  const std::string reply = co_await read_line_within(next, 2s);
  s.stop();
  co_return reply;
}

}  // namespace line_server_harness
