// See test_async_semaphore_harness.hpp. Holders nap while they hold a permit,
// so a semaphore that lets too many in is caught with them inside; the order
// scenarios queue waiters one at a time, so the order they asked in is known.
#include "test_async_semaphore_harness.hpp"

#include <boost/asio.hpp>

#include <utility>

#include "lunch/measure.hpp"
#include "lunch/tasks.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace async_semaphore_harness {

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;

std::size_t count_free(semaphore& s) {
  std::vector<permit_ptr> taken;
  while (taken.size() < 100) {
    auto p = s.try_acquire();
    if (!p) break;
    taken.push_back(std::move(p));
  }
  return taken.size();
}

std::string list(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

namespace {

// Holds a permit `rounds` times, suspending while it holds one: a nap when
// `nap_inside`, else a post every 8th round (many rounds, little time).
net::awaitable<void> take_turns(semaphore& s, occupancy& o, int rounds, bool nap_inside) {
  auto ex = co_await net::this_coro::executor;
  lunch::pending p("a task taking turns with the permits");
  for (int i = 0; i < rounds; ++i) {
    auto held = co_await s.acquire();
    o.enter();
    if (nap_inside)
      co_await nap(2ms);
    else if (i % 8 == 0)
      co_await net::post(ex, net::use_awaitable);
    o.leave();
  }
}

// Waits for a permit, notes its turn in `order`, holds it briefly.
net::awaitable<void> queue_up(semaphore& s, int id, std::vector<int>& order) {
  lunch::pending p("waiter " + std::to_string(id) + " waits for a permit");
  auto held = co_await s.acquire();
  order.push_back(id);
  co_await nap(1ms);
}

net::awaitable<void> wait_and_look(semaphore& s, inline_probe& probe) {
  lunch::pending p("the waiter behind the holder");
  auto held = co_await s.acquire();
  probe.waiter_got_it = true;
  if (probe.releasing) probe.waiter_ran_inside_release = true;
}

net::awaitable<void> one_of_the_crowd(semaphore& s, crowd& c) {
  auto held = co_await s.acquire();
  ++c.got;
}

net::awaitable<void> take_once(semaphore& s) {
  auto held = co_await s.acquire();
}

}  // namespace

net::awaitable<void> share_three(make_semaphore make, occupancy& o, int tasks, int rounds,
                                 bool nap_inside, std::size_t& free_after) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 3);
  semaphore& s = *made;
  task_group group(ex);
  for (int i = 0; i < tasks; ++i) group.spawn(take_turns(s, o, rounds, nap_inside));
  co_await group.wait();
  co_await let_others_run();  // in case a release is posted
  free_after = count_free(s);
}

net::awaitable<void> queue_behind_held_permits(make_semaphore make, std::vector<int>& order) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 2);
  semaphore& s = *made;
  task_group group(ex);
  auto a = co_await s.acquire();
  auto b = co_await s.acquire();
  for (int id = 0; id < 8; ++id) {  // one at a time: the order they asked in is known
    group.spawn(queue_up(s, id, order));
    co_await let_others_run();
  }
  a->release();
  b->release();
  co_await group.wait();
}

net::awaitable<void> release_and_ask_again(make_semaphore make, handoff_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 1);
  semaphore& s = *made;
  task_group group(ex);
  auto held = co_await s.acquire();
  for (int id = 0; id < 4; ++id) {
    group.spawn(queue_up(s, id, log.order));
    co_await let_others_run();
  }
  held->release();
  // No co_await since the release: waiter 0 has not run yet.
  if (auto stolen = s.try_acquire()) log.newcomer_took_it = true;
  group.spawn(queue_up(s, newcomer_id, log.order));
  lunch::pending p("the releaser asks again");
  auto again = co_await s.acquire();
  log.order.push_back(releaser_id);
  again->release();
  co_await group.wait();
}

net::awaitable<void> release_while_watching(make_semaphore make, inline_probe& probe) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 1);
  semaphore& s = *made;
  task_group group(ex);
  auto held = co_await s.acquire();
  group.spawn(wait_and_look(s, probe));
  co_await let_others_run();
  probe.releasing = true;
  held->release();
  probe.releasing = false;
  co_await group.wait();
}

net::awaitable<void> hundred_waiters(make_semaphore make, crowd& c) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 2);
  semaphore& s = *made;
  task_group group(ex);
  lunch::pending p("100 waiters queued behind 2 held permits, on one thread");
  auto a = co_await s.acquire();
  auto b = co_await s.acquire();
  for (int i = 0; i < 100; ++i) group.spawn(one_of_the_crowd(s, c));
  co_await let_others_run();  // every waiter is queued now
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  // A waiter that blocked the thread would stop this coroutine ticking.
  for (; c.ticks < 10; ++c.ticks) co_await nap(30ms);
  c.cpu_ms = cpu.ms();
  c.wall_ms = sw.ms();
  a->release();
  b->release();
  co_await group.wait();
}

net::awaitable<void> short_rounds(make_semaphore make, int rounds, int& completed) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 1);
  semaphore& s = *made;
  lunch::pending p("rounds of 3 tasks sharing 1 permit on 4 threads");
  for (; completed < rounds; ++completed) {
    task_group group(ex);
    for (int k = 0; k < 3; ++k) group.spawn(take_once(s));
    co_await group.wait();
  }
}

}  // namespace async_semaphore_harness
