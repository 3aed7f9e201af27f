// Tests for exercises/10_cancellation/recv_with_timeout.hpp
//
// The race that loses messages is built deterministically: a "sender" timer
// that is already due is armed first, then recv_with_timeout(ch, 0). At the
// next turn of the event loop both timers are found expired together; the
// sender's runs first and hands its message to the waiting receive, and the
// deadline's completion is already queued behind it. So the message and the
// deadline land in the same turn, every time (a bare `||` loses all of them).
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "recv_with_timeout.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

struct received {
  std::optional<int> message;
  double took_ms = 0;
};

net::awaitable<received> timed_recv(message_channel& ch, clock_type::duration d) {
  lunch::pending p("recv_with_timeout");
  lunch::stopwatch sw;
  received r;
  r.message = co_await recv_with_timeout(ch, d);
  r.took_ms = sw.ms();
  co_return r;
}

std::string show(const std::optional<int>& m) {
  return m ? "message " + std::to_string(*m) : "nullopt (timed out)";
}

// Ends every send, present and future: close() fails later sends at once,
// cancel() ends one already waiting (close alone does not, in Boost 1.81
// as in 1.89: asio #1318).
void stop_senders(message_channel& ch) {
  ch.close();
  ch.cancel();
}

// A send nobody takes ends when the test closes the channel.
net::awaitable<void> send_after(message_channel& ch, ms delay, int value) {
  lunch::pending p("a sender, " + std::to_string(delay.count()) + " ms late");
  co_await lunch::nap(delay);
  co_await ch.async_send(boost::system::error_code{}, value,
                         net::as_tuple(net::use_awaitable));
}

// Awaits `work`; if it throws (an unfinished exercise, say), first closes
// the channel so that no sender is left waiting, then rethrows.
template <class T>
net::awaitable<T> or_cancel(message_channel& ch, net::awaitable<T> work) {
  std::exception_ptr e;
  try {
    co_return co_await std::move(work);
  } catch (...) {
    e = std::current_exception();
  }
  stop_senders(ch);
  std::rethrow_exception(e);
}

// --- the simple cases ------------------------------------------------------

net::awaitable<received> already_waiting() {
  message_channel ch(co_await net::this_coro::executor, 1);
  ch.try_send(boost::system::error_code{}, 7);
  co_return co_await timed_recv(ch, 1s);
}

net::awaitable<received> arrives_in_time() {
  auto ex = co_await net::this_coro::executor;
  message_channel ch(ex, 0);
  lunch::task_group g(ex);
  g.spawn(send_after(ch, 10ms, 8));
  auto r = co_await or_cancel(ch, timed_recv(ch, 2s));
  co_await g.wait();
  co_return r;
}

struct nothing_then_later {
  received first, second;
};

// Nothing within 30 ms; then a message sent 10 ms later must reach the next
// call: a receive left pending by the first call would swallow it.
net::awaitable<nothing_then_later> times_out_then_receives() {
  auto ex = co_await net::this_coro::executor;
  message_channel ch(ex, 0);
  nothing_then_later r;
  r.first = co_await timed_recv(ch, 30ms);
  lunch::task_group g(ex);
  g.spawn(send_after(ch, 10ms, 9));
  r.second = co_await or_cancel(ch, timed_recv(ch, 500ms));
  // A message nobody received: let the sender finish anyway.
  if (!r.second.message) stop_senders(ch);
  co_await g.wait();
  co_return r;
}

// --- the race ------------------------------------------------------------------

struct race_counts {
  int rounds = 0, sent = 0, in_the_race = 0, next_call = 0;
  int lost() const { return sent - in_the_race - next_call; }
};

net::awaitable<void> races(std::size_t capacity, int rounds, race_counts& c) {
  auto ex = co_await net::this_coro::executor;
  message_channel ch(ex, capacity);
  for (int i = 0; i < rounds; ++i) {
    bool fired = false;
    net::steady_timer sender(ex, clock_type::now());  // already due
    sender.async_wait([&](boost::system::error_code) {
      fired = true;
      if (ch.try_send(boost::system::error_code{}, i)) ++c.sent;
    });
    auto r = co_await recv_with_timeout(ch, 0ms);
    if (r) {
      ++c.in_the_race;
    } else {
      {
        lunch::pending p("the sender of round " + std::to_string(i));
        while (!fired) co_await net::post(ex, net::use_awaitable);
      }
      // A message the sender handed over that nobody returned may still sit
      // in the channel (capacity 1): the next call must get it.
      if (auto later = co_await recv_with_timeout(ch, 20ms)) ++c.next_call;
    }
    ++c.rounds;
  }
}

race_counts run_races(std::size_t capacity) {
  race_counts c;
  lunch::run(races(capacity, 200, c),
             {.deadline = 5s, .what = "200 races of a message against a deadline"});
  return c;
}

void check_races(const race_counts& c, std::size_t capacity) {
  CHECK(c.rounds == 200);
  CHECK_MESSAGE(c.lost() == 0, "capacity " << capacity << ": " << c.lost() << " of the "
                << c.sent << " messages handed over were lost (" << c.in_the_race
                << " returned by the racing call, " << c.next_call << " by the next one). "
                "The message reached the receive in the same turn as the deadline, and "
                "was dropped with the race's loser");
  CHECK_MESSAGE(c.sent > 0, "no message was ever handed over: the sender found nobody "
                "receiving, 200 times");
}

}  // namespace

TEST_SUITE("recv_with_timeout") {

TEST_CASE("a message already waiting is returned at once") {
  auto r = lunch::run(already_waiting(), {.deadline = 5s, .what = "recv_with_timeout(1 s), message waiting"});
  CHECK_MESSAGE(r.message == std::optional<int>(7), "expected message 7, got " << show(r.message));
  CHECK_MESSAGE(r.took_ms < 500, "the message was waiting, but it took " << r.took_ms << " ms");
}

TEST_CASE("a message that arrives before the deadline is returned when it arrives") {
  auto r = lunch::run(arrives_in_time(), {.deadline = 5s, .what = "recv_with_timeout(2 s), message at 10 ms"});
  CHECK_MESSAGE(r.message == std::optional<int>(8), "expected message 8, got " << show(r.message));
  CHECK_MESSAGE(r.took_ms < 1000, "the message came at 10 ms, but it took " << r.took_ms
                << " ms: it waited for the deadline");
}

TEST_CASE("nothing sent: nullopt after the deadline, and a later message goes to the next call") {
  auto r = lunch::run(times_out_then_receives(),
                      {.deadline = 5s, .what = "recv_with_timeout(30 ms), then a message"});
  CHECK_MESSAGE(!r.first.message, "nothing was sent, yet it returned " << show(r.first.message));
  CHECK_MESSAGE(r.first.took_ms >= 29, "it gave up after " << r.first.took_ms
                << " ms, before its deadline of 30 ms");
  CHECK_MESSAGE(r.second.message == std::optional<int>(9), "after a timeout, a message sent "
                "10 ms later did not reach the next call (" << show(r.second.message)
                << "): did the first call leave a receive pending that swallowed it?");
}

TEST_CASE("a message and the deadline in the same turn: never lost (rendezvous channel)") {
  check_races(run_races(0), 0);
}

TEST_CASE("a message and the deadline in the same turn: never lost (buffered channel)") {
  check_races(run_races(1), 1);
}

}  // TEST_SUITE
