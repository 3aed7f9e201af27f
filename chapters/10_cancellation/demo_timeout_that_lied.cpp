// Demo 10/timeout_that_lied: a read under a deadline, two ways.
//
// A client reads from a loopback connection with a deadline of --deadline
// ms. The peer either hangs up after --hangup ms or stays silent. Two ways
// to put the deadline on the read:
//   op || timer      `co_await (s.async_read_some(...) || t.async_wait(...))`
//   parallel group   make_parallel_group(read, timer).async_wait(wait_for_one())
// In Boost 1.81, as still in 1.89, `||` cancels the other side only when
// one side *succeeds*. The read that fails with end-of-file is not a
// success: the timer is left to run out, and the program reports a timeout
// it never had. The group ends on the first completion of any kind and
// returns both results.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using tcp = net::ip::tcp;

namespace {

// Reads once under a deadline, the way a lot of code out there does it.
net::awaitable<std::string> read_with_or(tcp::socket& s, ms deadline) {
  using namespace net::experimental::awaitable_operators;
  char buf[64];
  net::steady_timer t(co_await net::this_coro::executor, deadline);
  auto r = co_await (s.async_read_some(net::buffer(buf), net::use_awaitable) ||
                     t.async_wait(net::use_awaitable));
  if (r.index() == 1) co_return "timed out";
  co_return "read " + std::to_string(std::get<0>(r)) + " bytes";
}

// The same read, with a group that reports how each side ended.
net::awaitable<std::string> read_with_group(tcp::socket& s, ms deadline) {
  char buf[64];
  net::steady_timer t(co_await net::this_coro::executor, deadline);
  auto [order, ec, n, timer_ec] =
      co_await net::experimental::make_parallel_group(
          s.async_read_some(net::buffer(buf), net::deferred), t.async_wait(net::deferred))
          .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
  if (!ec) co_return "read " + std::to_string(n) + " bytes";
  if (order[0] == 1 && !timer_ec) co_return "timed out";
  co_return ec.message();  // "End of file": the peer hung up
}

// The peer: hangs up after `after`, or (nullopt) says nothing.
net::awaitable<void> peer(tcp::socket& s, std::optional<ms> after, lunch::timeline& tl,
                          const std::string& lane) {
  if (!after) co_return;
  {
    auto span = tl.span("peer", lane, "a timer");
    net::steady_timer t(co_await net::this_coro::executor, *after);
    co_await t.async_wait(net::use_awaitable);
  }
  s.close();
}

struct row {
  std::string peer_does, way, result;
  double took_ms = 0;
};

net::awaitable<row> one_case(bool use_group, std::optional<ms> hangup, ms deadline,
                             lunch::timeline& tl) {
  using namespace net::experimental::awaitable_operators;
  auto ex = co_await net::this_coro::executor;
  tcp::acceptor acceptor(ex, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(ex);
  co_await client.async_connect(acceptor.local_endpoint(), net::use_awaitable);
  tcp::socket server_side = co_await acceptor.async_accept(net::use_awaitable);

  row r;
  r.way = use_group ? "parallel group" : "op || timer";
  r.peer_does = hangup ? "hangs up at " + std::to_string(hangup->count()) + " ms" : "silent";
  // Short lane names: the timeline has about 20 columns for them.
  const std::string how = use_group ? "group" : "||";
  const std::string lane = how + ", peer " + (hangup ? "quits" : "silent");
  const std::string peer_lane = "peer quits (" + how + ")";
  lunch::stopwatch sw;
  auto read = [&]() -> net::awaitable<std::string> {
    auto span = tl.span("read", lane, "socket or deadline");
    if (use_group) co_return co_await read_with_group(client, deadline);
    co_return co_await read_with_or(client, deadline);
  };
  // The capturing lambda is named above and called here, not a temporary
  // inside the co_await (a g++ 12 bug frees such a lambda twice).
  r.result = co_await (read() && peer(server_side, hangup, tl, peer_lane));
  r.took_ms = sw.ms();
  co_return r;
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("timeout_that_lied",
                      "A read under a deadline: `op || timer` reports a timeout when the peer hung up.");
  ms hangup = 10ms, deadline = 300ms;
  cli.option("--hangup", hangup, "when the peer hangs up", 0, 10'000)
      .option("--deadline", deadline, "the read's deadline", 1, 60'000)
      .offer_timeline();
  cli.parse(argc, argv);
  if (cli.smoke()) {
    hangup = 5ms;
    deadline = 40ms;
  }

  std::printf("A read from 127.0.0.1 with a deadline of %lld ms.\n\n",
              static_cast<long long>(deadline.count()));
  std::printf("  %-20s %-16s %-14s %8s\n", "the peer", "deadline by", "result", "took");
  lunch::timeline tl;
  const std::optional<ms> peers[] = {hangup, std::nullopt};
  for (auto p : peers) {
    for (bool group : {false, true}) {
      auto r = lunch::run(one_case(group, p, deadline, tl),
                          {.deadline = deadline * 2 + 10s, .what = "one read under a deadline"});
      const bool lie = p && r.result == "timed out";
      std::printf("  %-20s %-16s %-14s %5.0f ms%s\n", r.peer_does.c_str(), r.way.c_str(),
                  r.result.c_str(), r.took_ms, lie ? "   <- the lie" : "");
    }
  }
  std::printf(
      "\n`||` takes only a success as a win. The read that failed with end-of-file\n"
      "lost, quietly, and the timer ran out: a dead peer reported as a slow one,\n"
      "found out late. The group ends on the first completion of any kind,\n"
      "cancels the other side, and returns both results.\n");
  lunch::show(cli, tl);
}
