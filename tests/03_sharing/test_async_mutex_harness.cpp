// See test_async_mutex_harness.hpp. Holders co_await inside the critical
// section on purpose: a lock that is not exclusive lets another holder in at
// that moment, and the scenarios see it.
#include "test_async_mutex_harness.hpp"

#include <boost/asio.hpp>

#include <atomic>
#include <stdexcept>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;

namespace async_mutex_harness {

std::string queue_log::order_text() const {
  std::string s;
  for (int id : order) s += (s.empty() ? "" : ", ") + std::to_string(id);
  return s;
}

namespace {

// `total` is a plain int on purpose: the lock is the only thing that keeps
// its read-modify-write whole.
struct shared_tally {
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  int total = 0;
};

net::awaitable<void> take_turns(mutex& m, shared_tally& t, int id, int rounds) {
  auto ex = co_await net::this_coro::executor;
  const std::string name = "task " + std::to_string(id);
  lunch::pending p(name + " takes turns with the lock");
  for (int i = 0; i < rounds; ++i) {
    auto g = co_await m.lock();
    const int now = ++t.inside;
    int most = t.most_inside.load();
    while (now > most && !t.most_inside.compare_exchange_weak(most, now)) {
    }
    const int seen = t.total;
    co_await net::post(ex, net::use_awaitable);  // suspend inside the lock
    t.total = seen + 1;
    --t.inside;
  }
}

net::awaitable<void> many_take_turns_task(const make_mutex_fn& make, shared_tally& t,
                                          int tasks, int rounds) {
  auto ex = co_await net::this_coro::executor;
  const auto m = make(ex);
  task_group group(ex);
  for (int i = 0; i < tasks; ++i) group.spawn(take_turns(*m, t, i, rounds));
  co_await group.wait();
}

// --- first come, first served ---------------------------------------------

// The queue_log and what only the starter knows.
struct queue_state {
  queue_log& log;
  bool held_by_starter = false;  // the starter holds the lock
  bool releasing = false;        // the starter is inside unlock()
};

net::awaitable<void> queue_up(mutex& m, int id, queue_state& q) {
  lunch::pending p("waiter " + std::to_string(id) + " waits for the lock");
  auto g = co_await m.lock();
  if (q.held_by_starter) q.log.overlapped = true;
  if (q.releasing) q.log.ran_inside_unlock = true;
  q.log.order.push_back(id);
  co_await nap(1ms);
}

net::awaitable<void> hand_over_task(const make_mutex_fn& make, queue_state& q,
                                    bool& try_lock_barged) {
  auto ex = co_await net::this_coro::executor;
  const auto m = make(ex);
  task_group group(ex);
  auto g = co_await m->lock();
  q.held_by_starter = true;
  for (int id = 0; id < 8; ++id) {
    group.spawn(queue_up(*m, id, q));
    co_await let_others_run();
  }
  q.held_by_starter = false;
  q.releasing = true;
  g->unlock();
  q.releasing = false;
  try_lock_barged = m->try_lock() != nullptr;
  group.spawn(queue_up(*m, 8, q));
  {
    lunch::pending p("the old holder waits for the lock again");
    auto again = co_await m->lock();
    q.log.order.push_back(100);
  }
  co_await group.wait();
}

// --- a waiter that is cancelled --------------------------------------------

// How a waiter that was cancelled ended: lunch::start_cancellable starts
// it, lunch::how_it_ended says "cancelled" or what happened instead.
using lunch::ending;
using lunch::start_cancellable;

net::awaitable<void> cancel_task(const make_mutex_fn& make, cancel_log& log,
                                 queue_state& q, net::cancellation_signal& cancel,
                                 ending& end) {
  auto ex = co_await net::this_coro::executor;
  const auto m = make(ex);
  task_group group(ex);
  auto g = co_await m->lock();
  group.spawn(queue_up(*m, 1, q));
  co_await let_others_run();
  start_cancellable(ex, queue_up(*m, 2, q), cancel, end);
  co_await let_others_run();
  group.spawn(queue_up(*m, 3, q));
  co_await let_others_run();
  cancel.emit(net::cancellation_type::terminal);
  co_await let_others_run();
  log.cancelled_waiter =
      lunch::how_it_ended(end, "returned a guard, as if nothing had happened");
  g->unlock();
  co_await group.wait();
  lunch::pending p("waiter 2, cancelled, to end one way or another");
  while (!end.done) co_await nap(1ms);
  log.free_at_the_end = m->try_lock() != nullptr;
}

// --- releasing ---------------------------------------------------------------

net::awaitable<void> hold_and_throw(mutex& m, bool& threw) {
  try {
    auto g = co_await m.lock();
    co_await nap(10ms);
    throw std::runtime_error("boom inside the lock");
  } catch (const std::runtime_error&) {
    threw = true;  // the guard was destroyed on the way out of the try block
  }
}

net::awaitable<void> after_a_throw_task(const make_mutex_fn& make, bool& threw,
                                        queue_state& q) {
  auto ex = co_await net::this_coro::executor;
  const auto m = make(ex);
  task_group group(ex);
  group.spawn(hold_and_throw(*m, threw));
  co_await let_others_run();  // the holder has the lock by now
  group.spawn(queue_up(*m, 1, q));
  co_await group.wait();
}

// --- waiting costs nothing -----------------------------------------------------

struct crowd_state {
  crowd& c;
  bool held = false;
};

net::awaitable<void> one_of_the_crowd(mutex& m, crowd_state& s) {
  auto g = co_await m.lock();
  ++s.c.got;
  if (s.held) ++s.c.got_while_held;
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

net::awaitable<void> crowd_task(const make_mutex_fn& make, crowd_state& s, int waiters,
                                int ticks, std::chrono::milliseconds tick) {
  auto ex = co_await net::this_coro::executor;
  const auto m = make(ex);
  task_group group(ex);
  lunch::pending p("waiters queued on one thread");
  auto g = co_await m->lock();
  s.held = true;
  for (int i = 0; i < waiters; ++i) group.spawn(one_of_the_crowd(*m, s));
  for (; s.c.ticks < ticks; ++s.c.ticks) co_await nap(tick);
  s.held = false;
  g->unlock();
  co_await group.wait();
}

}  // namespace

tally many_take_turns(const make_mutex_fn& make, int tasks, int rounds, int threads,
                      std::chrono::milliseconds deadline, const std::string& what) {
  shared_tally t;
  lunch::run(many_take_turns_task(make, t, tasks, rounds),
             {.deadline = deadline, .threads = threads, .what = what});
  return {t.most_inside.load(), t.total};
}

hand_over hand_over_to_queue(const make_mutex_fn& make) {
  hand_over r;
  queue_state q{r.log};
  lunch::run(hand_over_task(make, q, r.try_lock_barged),
             {.deadline = 5s, .what = "8 waiters queued on a held lock"});
  return r;
}

cancel_log cancel_a_waiter(const make_mutex_fn& make) {
  cancel_log log;
  queue_state q{log.queue};
  net::cancellation_signal cancel;
  ending end;
  try {
    lunch::run(cancel_task(make, log, q, cancel, end),
               {.deadline = 2s, .what = "three waiters, the second cancelled"});
  } catch (const lunch::deadline_exceeded& e) {
    log.hang = e.what();
  }
  return log;
}

after_a_throw next_waiter_after_a_throw(const make_mutex_fn& make) {
  after_a_throw r;
  queue_log log;
  queue_state q{log};
  lunch::run(after_a_throw_task(make, r.threw, q),
             {.deadline = 5s, .what = "a waiter queued behind a holder that throws"});
  r.served = log.order.size();
  return r;
}

crowd crowd_waits(const make_mutex_fn& make, int waiters, int ticks,
                  std::chrono::milliseconds tick, const std::string& what) {
  crowd c;
  crowd_state s{c};
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(crowd_task(make, s, waiters, ticks, tick), {.deadline = 5s, .what = what});
  c.cpu_ms = cpu.ms();
  c.wall_ms = sw.ms();
  return c;
}

}  // namespace async_mutex_harness
