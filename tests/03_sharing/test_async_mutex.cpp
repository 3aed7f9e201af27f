// Tests for exercises/03_sharing/async_mutex.hpp
//
// Holders co_await inside the critical section on purpose: a lock that is
// not exclusive lets another holder in at that moment, and the tests see it.
// The holders, waiters and crowds are in test_async_mutex_harness.cpp,
// compiled once with the course; they reach the mutex through the interface
// below. The guard's own tests stay here.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "async_mutex.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "test_async_mutex_harness.hpp"

using namespace std::chrono_literals;
using namespace async_mutex_harness;

using lunch::let_others_run;

namespace {

// The learner's async_mutex and guard behind the harness's interface.
struct the_guard final : held {
  async_mutex::guard g;
  explicit the_guard(async_mutex::guard g_) : g(std::move(g_)) {}
  void unlock() override { g.unlock(); }
};

struct the_mutex final : mutex {
  async_mutex m;
  explicit the_mutex(net::any_io_executor ex) : m(std::move(ex)) {}
  net::awaitable<std::unique_ptr<held>> lock() override {
    co_return std::make_unique<the_guard>(co_await m.lock());
  }
  std::unique_ptr<held> try_lock() override {
    auto g = m.try_lock();
    if (!g) return nullptr;
    return std::make_unique<the_guard>(std::move(*g));
  }
};

std::unique_ptr<mutex> make(net::any_io_executor ex) {
  return std::make_unique<the_mutex>(std::move(ex));
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

}  // namespace

TEST_SUITE("async_mutex") {

TEST_CASE("one holder at a time, even when holders co_await inside") {
  const tally t = many_take_turns(make, 10, 20, 1, 5s, "10 tasks taking turns with the lock");
  check_exclusive(t, 10 * 20);
}

// A lost wake-up or a race in the hand-over shows up once in thousands of
// hand-overs, not in a hundred: hence the scale. A waiter that is never
// woken hangs the run, and the deadline turns that into a failure.
TEST_CASE("one holder at a time on four threads: 4 x 10000 lock and unlock") {
  const tally t = many_take_turns(
      make, 8, 5000, 4, 20s, "8 tasks on 4 threads taking turns with the lock 5000 times each");
  check_exclusive(t, 8 * 5000);
}

TEST_CASE("waiters get the lock first come, first served, also across the hand-over") {
  const hand_over h = hand_over_to_queue(make);
  const queue_log& log = h.log;
  const bool try_lock_barged = h.try_lock_barged;
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
  const cancel_log log = cancel_a_waiter(make);
  if (!log.hang.empty()) {
    FAIL_CHECK("after waiter 2 was cancelled, the lock never reached "
               "everyone: a cancelled waiter must leave the queue, or the "
               "lock is handed to nobody and the waiters behind it wait "
               "forever. The lock went to: " << log.queue.order_text()
               << "\n" << log.hang);
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
  const after_a_throw r = next_waiter_after_a_throw(make);
  CHECK(r.threw);
  CHECK_MESSAGE(r.served == 1,
                "the next waiter never got the lock after the holder threw");
}

TEST_CASE("a thousand waiters do not block the thread") {
  const crowd c = crowd_waits(make, 1000, 5, 2ms, "1000 waiters on one thread");
  CHECK_MESSAGE(c.ticks == 5,
                "a coroutine that naps 5 x 2 ms ticked " << c.ticks
                << " times while the waiters were queued");
  CHECK_MESSAGE(c.got_while_held == 0,
                c.got_while_held << " waiters got a lock that was held");
  CHECK_MESSAGE(c.got == 1000, "only " << c.got << " of 1000 waiters got the lock");
}

TEST_CASE("a waiter burns no CPU while it waits") {
  const crowd c = crowd_waits(make, 4, 1, 200ms, "4 waiters on a lock held for 200 ms");
  CHECK(c.got == 4);
  // Four timers' worth of waiting, next to nothing. A waiter that polls
  // (a loop of co_await post(...) until its turn comes) burns a whole core.
  CHECK_MESSAGE(c.cpu_ms < 0.1 * c.wall_ms,
                "the process used " << c.cpu_ms << " ms of CPU while 4 "
                "waiters waited " << c.wall_ms << " ms for the lock: they "
                "poll instead of waiting to be woken");
}

}  // TEST_SUITE
