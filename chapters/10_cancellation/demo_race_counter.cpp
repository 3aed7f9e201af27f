// Demo 10/race_counter: how many messages does `||` lose?
//
// Many races of a message against a deadline. In each, a consumer waits for
// one message on a channel, under a deadline, and a sender's timer hands
// the message over around that deadline. Two ways to wait:
//   ch || timer      `co_await (ch.async_receive(...) || t.async_wait(...))`
//   parallel group   make_parallel_group(receive, timer), and the
//                    receive's own result decides
// A message that arrives before the deadline is returned by both; one that
// arrives after it waits in the channel for the next call. One that arrives
// in the same turn of the event loop as the deadline has already been
// taken by the receive when `||` picks the timer: `||` drops it.
//
// Two rounds: the message due at a random moment within --spread µs of the
// deadline, many consumers at once (a busy server); then the message and
// the deadline due in the same turn (the setup the test uses).
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using us = std::chrono::microseconds;
using channel = net::experimental::channel<void(boost::system::error_code, int)>;

namespace {

net::awaitable<std::optional<int>> recv_or(channel& ch, clock_type::time_point deadline) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer t(co_await net::this_coro::executor, deadline);
  auto r = co_await (ch.async_receive(net::use_awaitable) || t.async_wait(net::use_awaitable));
  if (r.index() == 0) co_return std::get<0>(r);
  co_return std::nullopt;
}

net::awaitable<std::optional<int>> recv_group(channel& ch, clock_type::time_point deadline) {
  net::steady_timer t(co_await net::this_coro::executor, deadline);
  auto [order, ec, message, timer_ec] =
      co_await net::experimental::make_parallel_group(ch.async_receive(net::deferred),
                                                      t.async_wait(net::deferred))
          .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
  if (!ec) co_return message;  // a message, even if the timer came first
  co_return std::nullopt;
}

struct counts {
  int races = 0, sent = 0, in_race = 0, next_call = 0;
  int lost() const { return sent - in_race - next_call; }
};

struct settings {
  int races = 10'000, concurrent = 100, deadline_us = 200, spread_us = 50;
  bool same_turn = false;
};

// One consumer's share of the races.
net::awaitable<void> consumer(bool group, int races, const settings& s, unsigned seed,
                              counts& c) {
  auto ex = co_await net::this_coro::executor;
  channel ch(ex, 1);  // room for one message
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> offset(-s.spread_us, s.spread_us);
  for (int i = 0; i < races; ++i) {
    const auto now = clock_type::now();
    // In the same-turn round the message is due 1 us before the deadline:
    // both are long past when the loop next looks at its timers.
    const auto deadline = s.same_turn ? now + us(1) : now + us(s.deadline_us);
    const auto due = s.same_turn ? now : deadline + us(offset(rng));
    bool fired = false, send_over = false;
    net::steady_timer sender(ex, due);  // armed before the deadline's timer
    sender.async_wait([&](boost::system::error_code) {
      fired = true;
      // async_send, not try_send: in Boost 1.81 a buffered channel whose
      // waiting receive was cancelled refuses try_send until the next
      // receive comes (fixed in 1.82). The send then waits for that receive.
      ch.async_send(boost::system::error_code{}, i, [&](boost::system::error_code ec) {
        if (!ec) ++c.sent;
        send_over = true;
      });
    });
    std::optional<int> got;
    if (group)
      got = co_await recv_group(ch, deadline);
    else
      got = co_await recv_or(ch, deadline);
    ++c.races;
    if (got) ++c.in_race;
    while (!fired) co_await lunch::nap(us(20));
    // The next call (a safe one): a message that came late is still there.
    if (!got && co_await recv_group(ch, clock_type::now() + 5ms)) ++c.next_call;
    if (!send_over) ch.cancel();  // nobody took it: withdraw the send
    while (!send_over) co_await lunch::nap(us(20));
  }
}

net::awaitable<void> all_races(bool group, const settings& s, counts& c) {
  auto ex = co_await net::this_coro::executor;
  lunch::task_group g(ex);
  for (int k = 0; k < s.concurrent; ++k) {
    const int share = s.races / s.concurrent + (k < s.races % s.concurrent ? 1 : 0);
    g.spawn(consumer(group, share, s, 1234u + static_cast<unsigned>(k), c));
  }
  co_await g.wait();
}

void race_round(settings s, const char* title) {
  std::printf("%s\n", title);
  std::printf("  %-16s %8s %10s %10s %8s %8s\n", "receive", "handed", "returned", "next call",
              "lost", "took");
  for (bool group : {false, true}) {
    counts c;
    lunch::stopwatch sw;
    lunch::run(all_races(group, s, c), {.deadline = 120s, .what = "the races"});
    std::printf("  %-16s %8d %10d %10d %8d %5.0f ms\n", group ? "parallel group" : "ch || timer",
                c.sent, c.in_race, c.next_call, c.lost(), sw.ms());
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("race_counter",
                      "Races of a message against a deadline: messages lost by `||` vs a parallel group.");
  settings s;
  cli.option("--races", s.races, "how many races per way", 1, 1'000'000)
      .option("--concurrent", s.concurrent, "consumers racing at once", 1, 10'000)
      .option("--deadline-us", s.deadline_us, "each receive's deadline, in microseconds", 1, 1'000'000)
      .option("--spread-us", s.spread_us, "the message arrives within this many µs of the deadline",
              0, 1'000'000);
  cli.parse(argc, argv);
  if (cli.smoke()) {
    s.races = 200;
    s.concurrent = 10;
  }
  if (s.concurrent > s.races) s.concurrent = s.races;

  std::string t1 = std::to_string(s.races) + " races, " + std::to_string(s.concurrent) +
                   " at a time: the message due within " + std::to_string(s.spread_us) +
                   " us of a " + std::to_string(s.deadline_us) + " us deadline";
  race_round(s, t1.c_str());
  s.same_turn = true;
  std::string t2 = std::to_string(s.races) + " races: the message and the deadline due in "
                   "the same turn of the event loop";
  race_round(s, t2.c_str());
  std::printf(
      "handed: messages the sender handed over to the channel; returned: by the\n"
      "racing call; next call: came after the deadline and waited in the channel.\n"
      "Lost: handed to a receive that `||` then threw away with the loser's result.\n");
}
