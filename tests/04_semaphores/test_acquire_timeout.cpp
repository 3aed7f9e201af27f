// Tests for exercises/04_semaphores/acquire_timeout.hpp
//
// A one-permit semaphore held by the test, and waiters queued behind it one
// at a time. Whether a permit was lost is checked by counting the free ones
// (try_acquire) once everybody has let go: a whole semaphore has exactly 1.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "acquire_timeout.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;
using clock_type = timed_semaphore::clock;
using permit = timed_semaphore::permit;

namespace {

std::string list(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

std::size_t count_free(timed_semaphore& s) {
  std::vector<permit> taken;
  while (taken.size() < 10) {
    auto p = s.try_acquire();
    if (!p) break;
    taken.push_back(std::move(*p));
  }
  return taken.size();
}

// How one acquire_until ended.
struct outcome {
  bool finished = false;
  bool got_permit = false;
  bool timed_out = false;           // system_error with net::error::timed_out
  bool after_deadline = false;      // when it timed out: not early
  std::string thrown = "nothing";   // anything else, in words
};

// Waits with a deadline and records how it ended; a permit it gets is
// noted in `order` (when given) and given back at once.
net::awaitable<void> wait_until(timed_semaphore& s, clock_type::time_point deadline,
                                outcome& out, std::vector<int>* order = nullptr) {
  lunch::pending p("a waiter with a deadline");
  try {
    auto held = co_await s.acquire_until(deadline);
    out.got_permit = static_cast<bool>(held);
    if (order) order->push_back(1);
  } catch (const boost::system::system_error& e) {
    out.timed_out = e.code() == net::error::timed_out;
    out.after_deadline = clock_type::now() >= deadline;
    if (!out.timed_out) out.thrown = lunch::describe(std::current_exception());
  } catch (...) {
    out.thrown = lunch::describe(std::current_exception());
  }
  out.finished = true;
}

net::awaitable<void> wait_plainly(timed_semaphore& s, std::vector<int>& order, int id) {
  lunch::pending p("plain waiter " + std::to_string(id) + " (acquire(), no deadline)");
  auto held = co_await s.acquire();
  order.push_back(id);
}

net::awaitable<void> release_at(permit held, clock_type::time_point when) {
  net::steady_timer t(co_await net::this_coro::executor, when);
  co_await t.async_wait(net::use_awaitable);
  held.release();
}

// --- timing out ------------------------------------------------------------

struct timeout_report {
  outcome waiter;
  bool holder_permit_freed = false;
  std::size_t free_at_end = 0;
};

net::awaitable<void> time_out_behind_holder(timeout_report& r) {
  auto ex = co_await net::this_coro::executor;
  timed_semaphore s(ex, 1);
  auto held = co_await s.acquire();
  co_await wait_until(s, clock_type::now() + 50ms, r.waiter);
  // The test still holds the only permit: nothing may be free now.
  r.holder_permit_freed = count_free(s) != 0;
  held.release();
  co_await let_others_run();
  r.free_at_end = count_free(s);
}

// --- a permit before the deadline ----------------------------------------------

net::awaitable<void> released_in_time(outcome& out, double& took_ms) {
  auto ex = co_await net::this_coro::executor;
  timed_semaphore s(ex, 1);
  task_group group(ex);
  auto held = co_await s.acquire();
  group.spawn(release_at(std::move(held), clock_type::now() + 20ms));
  lunch::stopwatch sw;
  co_await wait_until(s, clock_type::now() + 3s, out);
  took_ms = sw.ms();
  co_await group.wait();
}

// --- leaving the queue ------------------------------------------------------

struct queue_report {
  outcome first;
  std::vector<int> order;
  std::size_t free_at_end = 0;
  bool later_acquire_ok = false;
};

// The first waiter gives up (its deadline passes, or it is cancelled); a
// plain waiter queued behind it must get the permit when it is given back.
net::awaitable<void> leave_the_queue(bool cancel, queue_report& r) {
  auto ex = co_await net::this_coro::executor;
  timed_semaphore s(ex, 1);
  task_group group(ex);
  auto held = co_await s.acquire();

  net::cancellation_signal stop;
  bool first_done = false;
  const auto deadline = clock_type::now() + (cancel ? 10s : 30ms);
  net::co_spawn(ex, wait_until(s, deadline, r.first),
                net::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr) {
                  first_done = true;
                }));
  co_await let_others_run();
  group.spawn(wait_plainly(s, r.order, 2));
  co_await let_others_run();

  if (cancel) stop.emit(net::cancellation_type::terminal);
  {
    lunch::pending p(cancel ? "the cancelled waiter to finish" : "the waiter to time out");
    while (!first_done) co_await nap(5ms);
  }
  held.release();  // must go to waiter 2, the only one still waiting
  co_await group.wait();
  co_await let_others_run();
  r.free_at_end = count_free(s);
  outcome later;
  co_await wait_until(s, clock_type::now() + 1s, later);
  r.later_acquire_ok = later.got_permit;
}

void check_left_the_queue(const queue_report& r, const std::string& how) {
  CHECK_MESSAGE(!r.first.got_permit, "the waiter that " << how << " got a permit");
  CHECK_MESSAGE(r.order == std::vector<int>{2}, "the plain waiter queued behind the one that "
                << how << " did not get the permit when it was given back");
  CHECK_MESSAGE(r.free_at_end == 1, r.free_at_end << " permit(s) free once everybody let go, "
                "instead of 1");
  CHECK_MESSAGE(r.later_acquire_ok, "acquire_until() failed on a free semaphore afterwards");
}

// --- keeping its place ----------------------------------------------------------

net::awaitable<void> deadline_waiter_first(std::vector<int>& order) {
  auto ex = co_await net::this_coro::executor;
  timed_semaphore s(ex, 1);
  task_group group(ex);
  auto held = co_await s.acquire();
  outcome first;
  group.spawn(wait_until(s, clock_type::now() + 3s, first, &order));
  co_await let_others_run();
  group.spawn(wait_plainly(s, order, 2));
  co_await nap(30ms);  // a poller would be asleep between two tries now
  held.release();
  co_await group.wait();
}

// --- a tie -------------------------------------------------------------------

struct tie_report {
  int rounds = 0;
  int got = 0;
  int timed_out = 0;
  std::string other;
  std::vector<std::size_t> free_after;
};

// The holder's timer and the waiter's deadline expire at the same instant;
// `releaser_first` says whose timer is armed first (and so fires first).
net::awaitable<void> one_tie(bool releaser_first, tie_report& r) {
  auto ex = co_await net::this_coro::executor;
  timed_semaphore s(ex, 1);
  task_group group(ex);
  auto held = co_await s.acquire();
  const auto when = clock_type::now() + 20ms;
  outcome w;
  if (releaser_first) {
    group.spawn(release_at(std::move(held), when));
    co_await wait_until(s, when, w);
  } else {
    group.spawn(wait_until(s, when, w));
    co_await release_at(std::move(held), when);
  }
  co_await group.wait();
  co_await let_others_run();
  ++r.rounds;
  r.got += w.got_permit;
  r.timed_out += w.timed_out;
  if (w.thrown != "nothing") r.other = w.thrown;
  r.free_after.push_back(count_free(s));
}

net::awaitable<void> many_ties(tie_report& r) {
  for (int i = 0; i < 6; ++i) co_await one_tie(i % 2 == 0, r);
}

}  // namespace

TEST_SUITE("acquire_timeout") {

TEST_CASE("with no permit by the deadline, it throws timed_out, not before") {
  timeout_report r;
  lunch::run(time_out_behind_holder(r),
             {.deadline = 5s, .what = "acquire_until(now + 50 ms) on a held semaphore"});
  CHECK_MESSAGE(!r.waiter.got_permit, "it returned a permit while the only one was held");
  CHECK_MESSAGE(r.waiter.timed_out, "expected system_error with net::error::timed_out, "
                "got: " << r.waiter.thrown);
  if (r.waiter.timed_out)
    CHECK_MESSAGE(r.waiter.after_deadline, "it timed out before its deadline");
  CHECK_MESSAGE(!r.holder_permit_freed, "after the timeout a permit was free, though the "
                "test still held the only one: the timeout gave back someone else's permit");
  CHECK_MESSAGE(r.free_at_end == 1, r.free_at_end << " permit(s) free once the holder let go, "
                "instead of 1");
}

TEST_CASE("a permit given back before the deadline is taken at once") {
  outcome out;
  double took_ms = 0;
  lunch::run(released_in_time(out, took_ms),
             {.deadline = 5s, .what = "acquire_until(now + 3 s), released after 20 ms"});
  CHECK_MESSAGE(out.got_permit, "no permit, though one was given back after 20 ms of a "
                "3 s deadline; it ended with: " << (out.timed_out ? "timed_out" : out.thrown));
  CHECK_MESSAGE(took_ms < 1000, "the permit came back after 20 ms but acquire_until "
                "returned only after " << took_ms << " ms");
}

TEST_CASE("a waiter that timed out leaves the queue: the next one gets the permit") {
  queue_report r;
  lunch::run(leave_the_queue(false, r),
             {.deadline = 5s, .what = "a timed-out waiter with a plain waiter behind it"});
  CHECK(r.first.timed_out);
  check_left_the_queue(r, "timed out");
}

TEST_CASE("a cancelled waiter leaves the queue too") {
  queue_report r;
  lunch::run(leave_the_queue(true, r),
             {.deadline = 5s, .what = "a cancelled waiter with a plain waiter behind it"});
  CHECK_MESSAGE(r.first.finished, "the cancelled acquire_until did not end by throwing "
                "(it was cancelled while waiting)");
  check_left_the_queue(r, "was cancelled");
}

TEST_CASE("a waiter with a deadline keeps its place in the queue") {
  std::vector<int> order;
  lunch::run(deadline_waiter_first(order),
             {.deadline = 5s, .what = "a waiter with a deadline, then a plain one"});
  const std::vector<int> fifo{1, 2};
  CHECK_MESSAGE(order == fifo, "the waiter with a deadline (1) queued before the plain "
                "waiter (2), yet they got the permit in the order " << list(order));
}

TEST_CASE("no permit is lost when it arrives just as the deadline passes") {
  tie_report r;
  lunch::run(many_ties(r), {.deadline = 5s, .what = "6 ties between a release and a deadline"});
  CHECK(r.rounds == 6);
  CHECK_MESSAGE(r.other.empty(), "a waiter ended with neither a permit nor timed_out: "
                << r.other);
  for (std::size_t i = 0; i < r.free_after.size(); ++i)
    CHECK_MESSAGE(r.free_after[i] == 1, "round " << i << ": " << r.free_after[i]
                  << " permit(s) free afterwards instead of 1. The permit was handed to "
                  "the waiter just as its deadline passed, and nobody owns it now");
}

}  // TEST_SUITE
