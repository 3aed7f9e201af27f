// See test_acquire_timeout_harness.hpp. A one-permit semaphore held by the
// scenario, and waiters queued behind it one at a time. Whether a permit was
// lost is checked by counting the free ones (try_acquire) once everybody has
// let go: a whole semaphore has exactly 1.
#include "test_acquire_timeout_harness.hpp"

#include <boost/asio.hpp>

#include <exception>
#include <utility>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace acquire_timeout_harness {

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;

std::string list(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

namespace {

std::size_t count_free(semaphore& s) {
  std::vector<permit_ptr> taken;
  while (taken.size() < 10) {
    auto p = s.try_acquire();
    if (!p) break;
    taken.push_back(std::move(p));
  }
  return taken.size();
}

// Waits with a deadline and records how it ended; a permit it gets is
// noted in `order` (when given) and given back at once.
net::awaitable<void> wait_until(semaphore& s, clock_type::time_point deadline,
                                outcome& out, std::vector<int>* order = nullptr) {
  lunch::pending p("a waiter with a deadline");
  try {
    auto held = co_await s.acquire_until(deadline);
    out.got_permit = held && held->held();
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

net::awaitable<void> wait_plainly(semaphore& s, std::vector<int>& order, int id) {
  lunch::pending p("plain waiter " + std::to_string(id) + " (acquire(), no deadline)");
  auto held = co_await s.acquire();
  order.push_back(id);
}

net::awaitable<void> release_at(permit_ptr held, clock_type::time_point when) {
  net::steady_timer t(co_await net::this_coro::executor, when);
  co_await t.async_wait(net::use_awaitable);
  held->release();
}

// One round of many_ties; `releaser_first` says whose timer is armed first
// (and so fires first).
net::awaitable<void> one_tie(const make_semaphore& make, bool releaser_first, tie_report& r) {
  auto ex = co_await net::this_coro::executor;
  auto s = make(ex, 1);
  task_group group(ex);
  auto held = co_await s->acquire();
  const auto when = clock_type::now() + 20ms;
  outcome w;
  if (releaser_first) {
    group.spawn(release_at(std::move(held), when));
    co_await wait_until(*s, when, w);
  } else {
    group.spawn(wait_until(*s, when, w));
    co_await release_at(std::move(held), when);
  }
  co_await group.wait();
  co_await let_others_run();
  ++r.rounds;
  r.got += w.got_permit;
  r.timed_out += w.timed_out;
  if (w.thrown != "nothing") r.other = w.thrown;
  r.free_after.push_back(count_free(*s));
}

}  // namespace

net::awaitable<void> time_out_behind_holder(make_semaphore make, timeout_report& r) {
  auto ex = co_await net::this_coro::executor;
  auto s = make(ex, 1);
  auto held = co_await s->acquire();
  co_await wait_until(*s, clock_type::now() + 50ms, r.waiter);
  // The test still holds the only permit: nothing may be free now.
  r.holder_permit_freed = count_free(*s) != 0;
  held->release();
  co_await let_others_run();
  r.free_at_end = count_free(*s);
}

net::awaitable<void> released_in_time(make_semaphore make, outcome& out, double& took_ms) {
  auto ex = co_await net::this_coro::executor;
  auto s = make(ex, 1);
  task_group group(ex);
  auto held = co_await s->acquire();
  group.spawn(release_at(std::move(held), clock_type::now() + 20ms));
  lunch::stopwatch sw;
  co_await wait_until(*s, clock_type::now() + 3s, out);
  took_ms = sw.ms();
  co_await group.wait();
}

net::awaitable<void> leave_the_queue(make_semaphore make, bool cancel, queue_report& r) {
  auto ex = co_await net::this_coro::executor;
  auto s = make(ex, 1);
  task_group group(ex);
  auto held = co_await s->acquire();

  net::cancellation_signal stop;
  bool first_done = false;
  const auto deadline = clock_type::now() + (cancel ? 10s : 30ms);
  net::co_spawn(ex, wait_until(*s, deadline, r.first),
                net::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr) {
                  first_done = true;
                }));
  co_await let_others_run();
  group.spawn(wait_plainly(*s, r.order, 2));
  co_await let_others_run();

  if (cancel) stop.emit(net::cancellation_type::terminal);
  {
    lunch::pending p(cancel ? "the cancelled waiter to finish" : "the waiter to time out");
    while (!first_done) co_await nap(5ms);
  }
  held->release();  // must go to waiter 2, the only one still waiting
  co_await group.wait();
  co_await let_others_run();
  r.free_at_end = count_free(*s);
  outcome later;
  co_await wait_until(*s, clock_type::now() + 1s, later);
  r.later_acquire_ok = later.got_permit;
}

net::awaitable<void> deadline_waiter_first(make_semaphore make, std::vector<int>& order) {
  auto ex = co_await net::this_coro::executor;
  auto s = make(ex, 1);
  task_group group(ex);
  auto held = co_await s->acquire();
  outcome first;
  group.spawn(wait_until(*s, clock_type::now() + 3s, first, &order));
  co_await let_others_run();
  group.spawn(wait_plainly(*s, order, 2));
  co_await nap(30ms);  // a poller would be asleep between two tries now
  held->release();
  co_await group.wait();
}

net::awaitable<void> many_ties(make_semaphore make, tie_report& r) {
  for (int i = 0; i < 6; ++i) co_await one_tie(make, i % 2 == 0, r);
}

}  // namespace acquire_timeout_harness
