// Tests for exercises/03_sharing/async_mutex.hpp
//
// Holders co_await inside the critical section on purpose: a lock that is
// not exclusive lets another holder in at that moment, and the tests see it.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "async_mutex.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"

using namespace std::chrono_literals;
using boost::system::error_code;

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;

namespace {

// What the holders saw. `total` is a plain int on purpose: the lock is the
// only thing that keeps its read-modify-write whole.
struct tally {
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  int total = 0;
};

net::awaitable<void> take_turns(async_mutex& m, tally& t, int id, int rounds) {
  auto ex = co_await net::this_coro::executor;
  const std::string name = "task " + std::to_string(id);
  lunch::pending p(name);
  for (int i = 0; i < rounds; ++i) {
    p.set(name + " waits for the lock");
    auto g = co_await m.lock();
    p.set(name + " holds the lock");
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

net::awaitable<void> many_take_turns(tally& t, int tasks, int rounds) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  for (int i = 0; i < tasks; ++i) group.spawn(take_turns(m, t, i, rounds));
  co_await group.wait();
}

void check_exclusive(const tally& t, int expected_total) {
  const int most_inside = t.most_inside;
  CHECK_MESSAGE(most_inside == 1,
                most_inside << " tasks were inside the critical section at "
                "the same time; a mutex lets in one at a time");
  CHECK_MESSAGE(t.total == expected_total,
                "the shared total is " << t.total << ", not " << expected_total
                << ": updates were lost because holders overlapped");
}

// --- first come, first served ---------------------------------------------

struct queue_log {
  std::vector<int> order;
  bool held_by_starter = false;
  bool overlapped = false;
  std::string order_text() const {
    std::string s;
    for (int id : order) s += (s.empty() ? "" : ", ") + std::to_string(id);
    return s;
  }
};

net::awaitable<void> queue_up(async_mutex& m, int id, queue_log& log) {
  lunch::pending p("waiter " + std::to_string(id) + " waits for the lock");
  auto g = co_await m.lock();
  if (log.held_by_starter) log.overlapped = true;
  log.order.push_back(id);
  co_await nap(1ms);
}

net::awaitable<void> queue_behind_held_lock(queue_log& log) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  auto g = co_await m.lock();
  log.held_by_starter = true;
  // One at a time, so that the order they asked in is known.
  for (int id = 0; id < 8; ++id) {
    group.spawn(queue_up(m, id, log));
    co_await let_others_run();
  }
  log.held_by_starter = false;
  g.unlock();
  co_await group.wait();
}

// --- releasing ---------------------------------------------------------------

net::awaitable<void> lock_then_leave_scope() {
  async_mutex m(co_await net::this_coro::executor);
  {
    auto g = co_await m.lock();
    CHECK(g.owns_lock());
    CHECK_MESSAGE(!m.try_lock(), "try_lock() took a lock that was held");
  }
  co_await let_others_run();  // in case the release is posted
  CHECK_MESSAGE(m.try_lock().has_value(),
                "the lock was still held after its guard was destroyed");
}

net::awaitable<void> move_a_guard() {
  async_mutex m(co_await net::this_coro::executor);
  auto first = co_await m.lock();
  {
    auto second = std::move(first);
    CHECK(!first.owns_lock());
    CHECK(second.owns_lock());
  }
  co_await let_others_run();
  auto other = m.try_lock();
  REQUIRE_MESSAGE(other.has_value(),
                  "the lock was still held after the guard it had moved to "
                  "was destroyed");
  // `first` was moved from: unlocking it must not release `other`'s lock.
  first.unlock();
  co_await let_others_run();
  CHECK_MESSAGE(!m.try_lock(),
                "unlocking a moved-from guard released someone else's lock");
}

net::awaitable<void> hold_and_throw(async_mutex& m, bool& threw) {
  try {
    auto g = co_await m.lock();
    co_await nap(20ms);
    throw std::runtime_error("boom inside the lock");
  } catch (const std::runtime_error&) {
    threw = true;  // the guard was destroyed on the way out of the try block
  }
}

net::awaitable<void> wait_for_lock(async_mutex& m, bool& got_it) {
  lunch::pending p("the next waiter, queued behind a holder that threw");
  auto g = co_await m.lock();
  got_it = true;
}

net::awaitable<void> next_waiter_after_a_throw(bool& threw, bool& next_got_it) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  group.spawn(hold_and_throw(m, threw));
  co_await let_others_run();  // the holder has the lock by now
  group.spawn(wait_for_lock(m, next_got_it));
  co_await group.wait();
}

// --- many waiters ------------------------------------------------------------

struct crowd {
  int got = 0;
  int got_while_held = 0;
  int ticks = 0;
  bool held = false;
};

net::awaitable<void> one_of_the_crowd(async_mutex& m, crowd& c) {
  auto g = co_await m.lock();
  ++c.got;
  if (c.held) ++c.got_while_held;
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

net::awaitable<void> thousand_waiters(crowd& c) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  lunch::pending p("1000 waiters queued on one thread");
  auto g = co_await m.lock();
  c.held = true;
  for (int i = 0; i < 1000; ++i) group.spawn(one_of_the_crowd(m, c));
  // If a waiter blocked the thread, this coroutine could never tick.
  for (; c.ticks < 5; ++c.ticks) co_await nap(2ms);
  c.held = false;
  g.unlock();
  co_await group.wait();
}

}  // namespace

TEST_SUITE("async_mutex") {

TEST_CASE("one holder at a time, even when holders co_await inside") {
  tally t;
  lunch::run(many_take_turns(t, 10, 20),
             {.deadline = 5s, .what = "10 tasks taking turns with the lock"});
  check_exclusive(t, 10 * 20);
}

TEST_CASE("one holder at a time on four threads") {
  tally t;
  lunch::run(many_take_turns(t, 16, 100),
             {.deadline = 5s,
              .threads = 4,
              .what = "16 tasks on 4 threads taking turns with the lock"});
  check_exclusive(t, 16 * 100);
}

TEST_CASE("waiters get the lock first come, first served") {
  queue_log log;
  lunch::run(queue_behind_held_lock(log),
             {.deadline = 5s, .what = "8 waiters queued on a held lock"});
  CHECK_MESSAGE(!log.overlapped,
                "a waiter got the lock while another coroutine still held it");
  REQUIRE(log.order.size() == 8);
  const std::vector<int> fifo{0, 1, 2, 3, 4, 5, 6, 7};
  CHECK_MESSAGE(log.order == fifo,
                "the waiters asked for the lock in the order 0..7 but got it "
                "in the order " << log.order_text() << "; a fair mutex "
                "serves the longest waiter first");
}

TEST_CASE("the guard releases the lock when it goes out of scope") {
  lunch::run(lock_then_leave_scope(),
             {.deadline = 5s, .what = "lock, leave the scope, try_lock"});
}

TEST_CASE("a moved guard releases once, when its last owner goes") {
  lunch::run(move_a_guard(), {.deadline = 5s, .what = "moving a guard"});
}

TEST_CASE("an exception inside the critical section releases the lock") {
  bool threw = false;
  bool next_got_it = false;
  lunch::run(next_waiter_after_a_throw(threw, next_got_it),
             {.deadline = 5s,
              .what = "a waiter queued behind a holder that throws"});
  CHECK(threw);
  CHECK_MESSAGE(next_got_it,
                "the next waiter never got the lock after the holder threw");
}

TEST_CASE("a thousand waiters do not block the thread") {
  crowd c;
  lunch::run(thousand_waiters(c),
             {.deadline = 5s, .what = "1000 waiters on one thread"});
  CHECK_MESSAGE(c.ticks == 5,
                "a coroutine that sleeps 5 x 2 ms ticked " << c.ticks
                << " times while the waiters were queued");
  CHECK_MESSAGE(c.got_while_held == 0,
                c.got_while_held << " waiters got a lock that was held");
  CHECK_MESSAGE(c.got == 1000, "only " << c.got << " of 1000 waiters got the lock");
}

}  // TEST_SUITE
