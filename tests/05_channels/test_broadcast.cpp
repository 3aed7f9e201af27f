// Tests for exercises/05_channels/broadcast.hpp
//
// Every receive is written down as words ("value 3", "lagged 6"), so a
// failure shows the whole sequence a subscriber saw. A broadcast that hands
// each value to one subscriber only, that drops values silently, or that
// shows a newcomer old values fails here. One thread throughout: that is
// what this broadcast is for.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <string>
#include <vector>

#include "broadcast.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

using lunch::let_others_run;
using lunch::task_group;

namespace {

using sub = broadcast<int>::subscriber;
using seen = std::vector<std::string>;

std::string list(const seen& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return "[" + s + "]";
}

seen values(int from, int to) {
  seen v;
  for (int i = from; i <= to; ++i) v.push_back("value " + std::to_string(i));
  return v;
}

// One receive(), as words.
net::awaitable<std::string> next(sub& s) {
  try {
    co_return "value " + std::to_string(co_await s.receive());
  } catch (const lagged& e) {
    co_return "lagged " + std::to_string(e.missed);
  }
}

// `n` receives in a row, as words, appended to `out` as they happen. If
// one never returns, the deadline report shows what came before it.
net::awaitable<void> read(sub& s, int n, seen& out, std::string name) {
  lunch::pending p(name);
  for (int i = 0; i < n; ++i) {
    p.set(name + " waits for its next value; received so far: " + list(out));
    out.push_back(co_await next(s));
  }
}

// --- everybody gets everything ----------------------------------------------------

net::awaitable<void> sent_before_asked(std::vector<seen>& got) {
  broadcast<int> b(co_await net::this_coro::executor, 8);
  std::vector<sub> subs;
  for (std::size_t i = 0; i < got.size(); ++i) subs.push_back(b.subscribe());
  for (int v = 0; v < 5; ++v) b.send(v);
  for (std::size_t i = 0; i < got.size(); ++i)
    co_await read(subs[i], 5, got[i], "subscriber " + std::to_string(i));
}

net::awaitable<void> sent_while_waiting(std::vector<seen>& got) {
  auto ex = co_await net::this_coro::executor;
  broadcast<int> b(ex, 8);
  std::vector<sub> subs;
  for (std::size_t i = 0; i < got.size(); ++i) subs.push_back(b.subscribe());
  task_group group(ex);
  for (std::size_t i = 0; i < got.size(); ++i)
    group.spawn(read(subs[i], 5, got[i], "subscriber " + std::to_string(i)));
  co_await let_others_run();
  // One value while all of them wait: every one must wake up for it.
  b.send(0);
  co_await let_others_run();
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == values(0, 0),
                  "3 subscribers were waiting when 0 was sent; subscriber " << i
                  << " received " << list(got[i]) << ": a send must wake every waiting subscriber");
  // Then four in a row, before any of them wakes up again.
  for (int v = 1; v < 5; ++v) b.send(v);
  co_await let_others_run();
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == values(0, 4),
                  "subscriber " << i << " waited while 0..4 were sent and "
                  "received " << list(got[i]) << "; every subscriber must get every value");
  co_await group.wait();
}

// --- falling behind ---------------------------------------------------------------

struct lag_log {
  seen keeping_up;  // read every value as it came
  seen behind;      // read nothing until ten values had been sent
  seen again;       // the same subscriber, falling behind a second time
  seen just_in;     // exactly `capacity` values behind
};

net::awaitable<void> fall_behind(lag_log& log) {
  auto ex = co_await net::this_coro::executor;
  broadcast<int> b(ex, 4);
  auto fast = b.subscribe();
  auto slow = b.subscribe();
  task_group group(ex);
  group.spawn(read(fast, 10, log.keeping_up, "the subscriber keeping up"));
  for (int v = 0; v < 10; ++v) {
    b.send(v);
    co_await let_others_run();  // `fast` reads each value as it comes
  }
  co_await group.wait();
  // `slow` read nothing: 0..5 are gone, 6..9 are kept.
  co_await read(slow, 5, log.behind, "the subscriber 10 values behind (capacity 4)");
  // Behind again, by one: 10..14 sent, 11..14 kept.
  for (int v = 10; v < 15; ++v) b.send(v);
  co_await read(slow, 5, log.again, "the subscriber 5 values behind (capacity 4)");
  // A newcomer exactly 4 behind has lost nothing.
  auto edge = b.subscribe();
  for (int v = 15; v < 19; ++v) b.send(v);
  co_await read(edge, 4, log.just_in, "the subscriber exactly 4 values behind");
}

// --- subscribing late -------------------------------------------------------------

net::awaitable<void> subscribe_late(seen& early, seen& late) {
  broadcast<int> b(co_await net::this_coro::executor, 8);
  auto first = b.subscribe();
  for (int v = 0; v < 3; ++v) b.send(v);
  auto second = b.subscribe();
  for (int v = 3; v < 5; ++v) b.send(v);
  co_await read(first, 5, early, "the early subscriber");
  co_await read(second, 2, late, "the late subscriber");
}

// --- no inline resumption ---------------------------------------------------------

// Notes whether it was resumed while `inside_send` was true.
net::awaitable<void> read_one(sub& s, seen& got, const bool& inside_send, bool& ran_inside) {
  lunch::pending p("a subscriber waits for a send");
  got.push_back(co_await next(s));
  ran_inside = inside_send;
}

net::awaitable<void> wake_from_send(bool& ran_inside, seen& got) {
  auto ex = co_await net::this_coro::executor;
  broadcast<int> b(ex, 4);
  auto s = b.subscribe();
  bool inside_send = false;
  task_group group(ex);
  group.spawn(read_one(s, got, inside_send, ran_inside));
  co_await let_others_run();
  inside_send = true;
  b.send(1);
  inside_send = false;
  co_await group.wait();
}

}  // namespace

TEST_SUITE("broadcast") {

TEST_CASE("every subscriber receives every value sent before it asked, in order") {
  std::vector<seen> got(3);
  lunch::run(sent_before_asked(got),
             {.deadline = 3s, .what = "3 subscribers reading 5 values each"});
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == values(0, 4),
                  "0..4 were sent; subscriber " << i << " received " << list(got[i]));
}

TEST_CASE("subscribers waiting when values are sent all receive them") {
  std::vector<seen> got(3);
  lunch::run(sent_while_waiting(got),
             {.deadline = 3s, .what = "3 waiting subscribers"});
}

TEST_CASE("a subscriber that falls behind is told how many it missed, then gets the oldest kept") {
  lag_log log;
  lunch::run(fall_behind(log), {.deadline = 3s, .what = "a broadcast of capacity 4"});
  CHECK_MESSAGE(log.keeping_up == values(0, 9),
                "a subscriber reading each value as it was sent received "
                << list(log.keeping_up) << "; it never fell behind, so it gets 0..9");
  CHECK_MESSAGE(log.behind == seen({"lagged 6", "value 6", "value 7", "value 8", "value 9"}),
                "capacity 4, 0..9 sent to a subscriber that read nothing: it "
                "should get lagged (missed 6), then 6, 7, 8, 9; it got " << list(log.behind));
  CHECK_MESSAGE(log.again == seen({"lagged 1", "value 11", "value 12", "value 13", "value 14"}),
                "caught up, then 10..14 sent (capacity 4): it should get lagged "
                "(missed 1), then 11..14; it got " << list(log.again));
  CHECK_MESSAGE(log.just_in == values(15, 18),
                "a subscriber exactly 4 values behind, with capacity 4, has lost "
                "nothing; it got " << list(log.just_in));
}

TEST_CASE("a subscriber receives only the values sent after it subscribed") {
  seen early, late;
  lunch::run(subscribe_late(early, late),
             {.deadline = 3s, .what = "an early and a late subscriber"});
  CHECK_MESSAGE(early == values(0, 4), "the first subscriber got " << list(early));
  CHECK_MESSAGE(late == values(3, 4),
                "subscribed after 0..2 were sent, then 3 and 4 were sent; the "
                "late subscriber got " << list(late) << ", not [value 3, value 4]");
}

TEST_CASE("send() does not run a waiting subscriber inside send()") {
  bool ran_inside = false;
  seen got;
  lunch::run(wake_from_send(ran_inside, got),
             {.deadline = 3s, .what = "a subscriber waiting for a send"});
  CHECK_MESSAGE(got == values(1, 1), "the waiting subscriber got " << list(got));
  CHECK_MESSAGE(!ran_inside,
                "the subscriber resumed inside send(): it must resume later, "
                "from its executor, not in the middle of the sender's call");
}

}  // TEST_SUITE
