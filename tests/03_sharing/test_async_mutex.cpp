// Tests for exercises/03_sharing/async_mutex.hpp
//
// Holders co_await inside the critical section on purpose: a lock that is
// not exclusive lets another holder in at that moment, and the tests see it.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel_error.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "async_mutex.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

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
  std::vector<int> order;        // who got the lock, in turn
  bool held_by_starter = false;  // the starter holds the lock
  bool overlapped = false;       // someone got it while the starter held it
  bool releasing = false;        // the starter is inside unlock()
  bool ran_inside_unlock = false;
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
  if (log.releasing) log.ran_inside_unlock = true;
  log.order.push_back(id);
  co_await nap(1ms);
}

// The starter holds the lock while waiters 0..7 queue up, one at a time so
// that the order they asked in is known. Then the hand-over: the starter
// unlocks, and at once tries to barge back in (try_lock), lets a newcomer
// (8) ask, and asks again itself (100). None of them may pass waiter 0.
net::awaitable<void> hand_over_to_queue(queue_log& log, bool& try_lock_barged) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  auto g = co_await m.lock();
  log.held_by_starter = true;
  for (int id = 0; id < 8; ++id) {
    group.spawn(queue_up(m, id, log));
    co_await let_others_run();
  }
  log.held_by_starter = false;
  log.releasing = true;
  g.unlock();
  log.releasing = false;
  try_lock_barged = m.try_lock().has_value();
  group.spawn(queue_up(m, 8, log));
  {
    lunch::pending p("the old holder waits for the lock again");
    auto again = co_await m.lock();
    log.order.push_back(100);
  }
  co_await group.wait();
}

// --- a waiter that is cancelled --------------------------------------------

// How a waiter that was cancelled ended: lunch::start_cancellable starts
// it, lunch::how_it_ended says "cancelled" or what happened instead.
using lunch::ending;
using lunch::start_cancellable;

struct cancel_log {
  queue_log queue;
  std::string cancelled_waiter;  // how_it_ended, seen before the unlock
  bool free_at_the_end = false;
};

// Waiters 1, 2 and 3 queue behind the starter; waiter 2 is cancelled while
// it waits. Then the starter unlocks.
net::awaitable<void> cancel_a_waiter(cancel_log& log, net::cancellation_signal& cancel,
                                     ending& end) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  auto g = co_await m.lock();
  group.spawn(queue_up(m, 1, log.queue));
  co_await let_others_run();
  start_cancellable(ex, queue_up(m, 2, log.queue), cancel, end);
  co_await let_others_run();
  group.spawn(queue_up(m, 3, log.queue));
  co_await let_others_run();
  cancel.emit(net::cancellation_type::terminal);
  co_await let_others_run();
  log.cancelled_waiter =
      lunch::how_it_ended(end, "returned a guard, as if nothing had happened");
  g.unlock();
  co_await group.wait();
  lunch::pending p("waiter 2, cancelled, to end one way or another");
  while (!end.done) co_await nap(1ms);
  log.free_at_the_end = m.try_lock().has_value();
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
    co_await nap(10ms);
    throw std::runtime_error("boom inside the lock");
  } catch (const std::runtime_error&) {
    threw = true;  // the guard was destroyed on the way out of the try block
  }
}

net::awaitable<void> next_waiter_after_a_throw(bool& threw, queue_log& log) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  group.spawn(hold_and_throw(m, threw));
  co_await let_others_run();  // the holder has the lock by now
  group.spawn(queue_up(m, 1, log));
  co_await group.wait();
}

// --- waiting costs nothing -----------------------------------------------------

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

// `waiters` queue while the lock is held; meanwhile this coroutine naps
// `ticks` times for `tick`, which it can only do if nobody blocks the thread.
net::awaitable<void> crowd_waits(crowd& c, int waiters, int ticks,
                                 std::chrono::milliseconds tick) {
  auto ex = co_await net::this_coro::executor;
  async_mutex m(ex);
  task_group group(ex);
  lunch::pending p("waiters queued on one thread");
  auto g = co_await m.lock();
  c.held = true;
  for (int i = 0; i < waiters; ++i) group.spawn(one_of_the_crowd(m, c));
  for (; c.ticks < ticks; ++c.ticks) co_await nap(tick);
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

// A lost wake-up or a race in the hand-over shows up once in thousands of
// hand-overs, not in a hundred: hence the scale. A waiter that is never
// woken hangs the run, and the deadline turns that into a failure.
TEST_CASE("one holder at a time on four threads: 4 x 10000 lock and unlock") {
  tally t;
  lunch::run(many_take_turns(t, 8, 5000),
             {.deadline = 20s,
              .threads = 4,
              .what = "8 tasks on 4 threads taking turns with the lock 5000 times each"});
  check_exclusive(t, 8 * 5000);
}

TEST_CASE("waiters get the lock first come, first served, also across the hand-over") {
  queue_log log;
  bool try_lock_barged = false;
  lunch::run(hand_over_to_queue(log, try_lock_barged),
             {.deadline = 5s, .what = "8 waiters queued on a held lock"});
  CHECK_MESSAGE(!log.overlapped,
                "a waiter got the lock while another coroutine still held it");
  CHECK_MESSAGE(!log.ran_inside_unlock,
                "the next waiter ran inside unlock(): unlock() must only let "
                "it resume later, from the event loop. Run inline, it would "
                "run its critical section inside whatever destroyed the "
                "guard, maybe with a lock of the caller's still held");
  CHECK_MESSAGE(!try_lock_barged,
                "try_lock() right after unlock() took the lock while 8 "
                "waiters were queued: the lock belongs to the first waiter "
                "from the moment it is released");
  REQUIRE(log.order.size() == 10);
  const std::vector<int> first_eight(log.order.begin(), log.order.begin() + 8);
  const std::vector<int> fifo{0, 1, 2, 3, 4, 5, 6, 7};
  CHECK_MESSAGE(first_eight == fifo,
                "the waiters asked for the lock in the order 0..7 but the "
                "lock went to " << log.order_text() << "; a fair mutex "
                "serves the longest waiter first, also when the old holder "
                "asks again at once (100) or a newcomer asks during the "
                "hand-over (8)");
}

TEST_CASE("a lock() cancelled while it waits ends with an error, takes nothing, and strands nobody") {
  cancel_log log;
  net::cancellation_signal cancel;
  ending end;
  try {
    lunch::run(cancel_a_waiter(log, cancel, end),
               {.deadline = 2s, .what = "three waiters, the second cancelled"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK("after waiter 2 was cancelled, the lock never reached "
               "everyone: a cancelled waiter must leave the queue, or the "
               "lock is handed to nobody and the waiters behind it wait "
               "forever. The lock went to: " << log.queue.order_text()
               << "\n" << std::string(e.what()));
    return;
  }
  CHECK_MESSAGE(log.cancelled_waiter == "cancelled",
                "waiter 2 was cancelled while it waited; its lock() "
                << log.cancelled_waiter << ". It should end at once, with a "
                "boost::system::system_error whose code is operation_aborted "
                "(or a channel's channel_cancelled), and hold nothing");
  const std::vector<int> one_then_three{1, 3};
  CHECK_MESSAGE(log.queue.order == one_then_three,
                "the lock went to " << log.queue.order_text() << ", expected "
                "1, 3: the cancelled waiter 2 must not get it");
  CHECK_MESSAGE(log.free_at_the_end,
                "once everyone had gone, the lock was still held: the "
                "cancelled wait kept it");
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
  queue_log log;
  lunch::run(next_waiter_after_a_throw(threw, log),
             {.deadline = 5s,
              .what = "a waiter queued behind a holder that throws"});
  CHECK(threw);
  CHECK_MESSAGE(log.order.size() == 1,
                "the next waiter never got the lock after the holder threw");
}

TEST_CASE("a thousand waiters do not block the thread") {
  crowd c;
  lunch::run(crowd_waits(c, 1000, 5, 2ms),
             {.deadline = 5s, .what = "1000 waiters on one thread"});
  CHECK_MESSAGE(c.ticks == 5,
                "a coroutine that naps 5 x 2 ms ticked " << c.ticks
                << " times while the waiters were queued");
  CHECK_MESSAGE(c.got_while_held == 0,
                c.got_while_held << " waiters got a lock that was held");
  CHECK_MESSAGE(c.got == 1000, "only " << c.got << " of 1000 waiters got the lock");
}

TEST_CASE("a waiter burns no CPU while it waits") {
  crowd c;
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(crowd_waits(c, 4, 1, 200ms),
             {.deadline = 5s, .what = "4 waiters on a lock held for 200 ms"});
  CHECK(c.got == 4);
  // Four timers' worth of waiting, next to nothing. A waiter that polls
  // (a loop of co_await post(...) until its turn comes) burns a whole core.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while 4 "
                "waiters waited " << sw.ms() << " ms for the lock: they "
                "poll instead of waiting to be woken");
}

}  // TEST_SUITE
