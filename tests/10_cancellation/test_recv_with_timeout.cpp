// Tests for exercises/10_cancellation/recv_with_timeout.hpp
//
// The race that loses messages is built deterministically: a "sender" timer
// that is already due is armed first, then recv_with_timeout(ch, 0). At the
// next turn of the event loop both timers are found expired together; the
// sender's runs first and hands its message to the waiting receive, and the
// deadline's completion is already queued behind it. So the message and the
// deadline land in the same turn, every time (a bare `||` loses all of them).
// The senders and scenarios are in test_recv_with_timeout_harness.cpp,
// compiled once with the course.
#include <doctest/doctest.h>

#include <cstddef>
#include <optional>
#include <string>

#include "lunch/run.hpp"
#include "recv_with_timeout.hpp"
#include "test_recv_with_timeout_harness.hpp"

using namespace std::chrono_literals;
using namespace recv_with_timeout_harness;

namespace {

std::string show(const std::optional<int>& m) {
  return m ? "message " + std::to_string(*m) : "nullopt (timed out)";
}

race_counts run_races(std::size_t capacity) {
  race_counts c;
  lunch::run(races(recv_with_timeout, capacity, 200, c),
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
  auto r = lunch::run(already_waiting(recv_with_timeout), {.deadline = 5s, .what = "recv_with_timeout(1 s), message waiting"});
  CHECK_MESSAGE(r.message == std::optional<int>(7), "expected message 7, got " << show(r.message));
  CHECK_MESSAGE(r.took_ms < 500, "the message was waiting, but it took " << r.took_ms << " ms");
}

TEST_CASE("a message that arrives before the deadline is returned when it arrives") {
  auto r = lunch::run(arrives_in_time(recv_with_timeout), {.deadline = 5s, .what = "recv_with_timeout(2 s), message at 10 ms"});
  CHECK_MESSAGE(r.message == std::optional<int>(8), "expected message 8, got " << show(r.message));
  CHECK_MESSAGE(r.took_ms < 1000, "the message came at 10 ms, but it took " << r.took_ms
                << " ms: it waited for the deadline");
}

TEST_CASE("nothing sent: nullopt after the deadline, and a later message goes to the next call") {
  auto r = lunch::run(times_out_then_receives(recv_with_timeout),
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
