// Tests for exercises/04_semaphores/async_semaphore.hpp
//
// Holders nap while they hold a permit, so a semaphore that lets too many in
// is caught with them inside; the order tests queue waiters one at a time,
// so the order they asked in is known; free permits are counted with
// try_acquire, which any correct semaphore supports. The scenarios that only
// acquire and release are in test_async_semaphore_harness.cpp, compiled once
// with the course; those that look at the permit itself stay here.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "async_semaphore.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "test_async_semaphore_harness.hpp"

using namespace std::chrono_literals;
using namespace async_semaphore_harness;

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;

namespace {

// async_semaphore and its permit behind the harness's interface.
struct exercise_permit final : permit {
  explicit exercise_permit(async_semaphore::permit p) : p(std::move(p)) {}
  void release() override { p.release(); }
  async_semaphore::permit p;
};

struct semaphore_view : semaphore {
  explicit semaphore_view(async_semaphore& s) : s(s) {}
  net::awaitable<permit_ptr> acquire() override {
    co_return std::make_unique<exercise_permit>(co_await s.acquire());
  }
  permit_ptr try_acquire() override {
    auto p = s.try_acquire();
    if (!p) return nullptr;
    return std::make_unique<exercise_permit>(std::move(*p));
  }
  async_semaphore& s;
};

struct owning_view final : semaphore_view {
  explicit owning_view(std::unique_ptr<async_semaphore> owned)
      : semaphore_view(*owned), owned(std::move(owned)) {}
  std::unique_ptr<async_semaphore> owned;
};

std::unique_ptr<semaphore> make(net::any_io_executor ex, std::size_t permits) {
  return std::make_unique<owning_view>(std::make_unique<async_semaphore>(std::move(ex), permits));
}

// The harness's count_free() on the exercise's own semaphore.
std::size_t count_free(async_semaphore& s) {
  semaphore_view view(s);
  return async_semaphore_harness::count_free(view);
}

using permit = async_semaphore::permit;

// --- try_acquire --------------------------------------------------------------

net::awaitable<void> try_until_empty() {
  async_semaphore s(co_await net::this_coro::executor, 2);
  auto a = s.try_acquire();
  auto b = s.try_acquire();
  CHECK_MESSAGE((a && b), "try_acquire() failed with permits free (2 of 2 free at the start)");
  CHECK_MESSAGE(!s.try_acquire(), "try_acquire() gave out a third permit of a 2-permit semaphore");
  a.reset();  // gives one back
  co_await let_others_run();
  auto c = s.try_acquire();
  CHECK_MESSAGE(c.has_value(), "try_acquire() failed after a permit was given back");
}

// --- releasing exactly once --------------------------------------------------

net::awaitable<void> release_paths() {
  async_semaphore s(co_await net::this_coro::executor, 3);
  auto kept = co_await s.acquire();  // held throughout: 2 permits to play with
  {
    auto p = co_await s.acquire();
    CHECK(static_cast<bool>(p));
  }
  co_await let_others_run();
  CHECK_MESSAGE(count_free(s) == 2,
                "a permit that went out of scope was not given back: "
                << count_free(s) << " free, expected 2 (1 of 3 still held)");

  auto early = co_await s.acquire();
  early.release();
  early.release();  // a second call does nothing
  co_await let_others_run();
  CHECK_MESSAGE(count_free(s) == 2, "after release() (twice) " << count_free(s)
                << " permits are free, expected 2 (1 of 3 still held)");

  auto first = co_await s.acquire();
  {
    auto second = std::move(first);
    CHECK(!first);
    CHECK(static_cast<bool>(second));
    first.release();  // moved-from: must not give anything back
    co_await let_others_run();
    CHECK_MESSAGE(count_free(s) == 1,
                  "releasing a moved-from permit gave one back: "
                  << count_free(s) << " free, expected 1 (2 of 3 still held)");
  }
  co_await let_others_run();
  CHECK_MESSAGE(count_free(s) == 2, "the permit a moved-from one had moved to was not "
                "given back once: " << count_free(s) << " free, expected 2");
}

// --- a permit moved into a spawned task ------------------------------------------

struct spawn_log {
  occupancy o;
  std::atomic<int> had_permit{0};
};

// The permit is a by-value parameter: it lives in this task's frame and is
// given back when the task ends, on whichever thread that happens.
net::awaitable<void> work_with(permit held, spawn_log& log) {
  if (held) ++log.had_permit;
  log.o.enter();
  co_await nap(5ms);
  log.o.leave();
}

net::awaitable<void> acquire_then_spawn(spawn_log& log, std::size_t& free_after) {
  auto ex = co_await net::this_coro::executor;
  async_semaphore s(ex, 3);
  task_group group(ex);
  for (int i = 0; i < 12; ++i) {
    lunch::pending p("the loop waits for a permit before spawning task " + std::to_string(i));
    auto held = co_await s.acquire();  // the loop itself waits: back-pressure
    group.spawn(work_with(std::move(held), log));
  }
  co_await group.wait();
  co_await let_others_run();
  free_after = count_free(s);
}

}  // namespace

TEST_SUITE("async_semaphore") {

TEST_CASE("at most N permits are out at once, and all N get used") {
  occupancy o;
  std::size_t free_after = 0;
  lunch::run(share_three(make, o, 12, 4, true, free_after),
             {.deadline = 5s, .what = "12 tasks sharing 3 permits"});
  const int peak = o.peak;
  CHECK_MESSAGE(peak <= 3, peak << " tasks held a permit at the same time; the "
                "semaphore has 3");
  CHECK_MESSAGE(peak >= 3, "at most " << peak << " of 12 tasks held a permit at once, "
                "though 3 permits exist: the semaphore lets fewer in than it may");
  CHECK_MESSAGE(free_after == 3, "after every task finished, " << free_after
                << " permits were free instead of 3");
}

TEST_CASE("try_acquire takes a free permit and fails, without waiting, when none is") {
  lunch::run(try_until_empty(), {.deadline = 5s, .what = "try_acquire on 2 permits"});
}

TEST_CASE("a permit is given back exactly once: scope exit, release(), moves") {
  lunch::run(release_paths(), {.deadline = 5s, .what = "releasing permits"});
}

TEST_CASE("waiters get permits first come, first served") {
  std::vector<int> order;
  lunch::run(queue_behind_held_permits(make, order),
             {.deadline = 5s, .what = "8 waiters queued behind 2 held permits"});
  const std::vector<int> fifo{0, 1, 2, 3, 4, 5, 6, 7};
  CHECK_MESSAGE(order == fifo, "the waiters asked in the order 0..7 but got "
                "permits in the order " << list(order));
}

TEST_CASE("a released permit goes to the oldest waiter, not to whoever asks during the hand-off") {
  handoff_log log;
  lunch::run(release_and_ask_again(make, log),
             {.deadline = 5s, .what = "a release with 4 waiters queued"});
  CHECK_MESSAGE(!log.newcomer_took_it,
                "try_acquire() right after release() got the permit, though 4 "
                "waiters were queued: it belongs to the oldest of them");
  REQUIRE_MESSAGE(log.order.size() == 6, "expected 6 turns, got " << list(log.order));
  const std::vector<int> waiters_first{0, 1, 2, 3};
  const std::vector<int> first_four(log.order.begin(), log.order.begin() + 4);
  CHECK_MESSAGE(first_four == waiters_first,
                "permits went in the order " << list(log.order) << " ("
                << releaser_id << " = the releaser asking again at once, "
                << newcomer_id << " = a newcomer): the 4 queued waiters 0..3 "
                "must come first, in order");
}

TEST_CASE("release() does not run the next waiter inside itself") {
  inline_probe probe;
  lunch::run(release_while_watching(make, probe),
             {.deadline = 5s, .what = "a release with one waiter"});
  REQUIRE_MESSAGE(probe.waiter_got_it, "the waiter never got the permit");
  CHECK_MESSAGE(!probe.waiter_ran_inside_release,
                "the waiter ran inside release(): the holder's release() call "
                "should only schedule it, or a permit's destructor runs other "
                "people's code");
}

TEST_CASE("waiting takes no CPU and does not block the thread") {
  crowd c;
  lunch::run(hundred_waiters(make, c), {.deadline = 5s, .what = "100 waiters on one thread"});
  CHECK_MESSAGE(c.ticks == 10, "a coroutine that naps 10 x 30 ms ticked only " << c.ticks
                << " times while 100 waiters were queued: they block the thread");
  CHECK_MESSAGE(c.got == 100, "only " << c.got << " of 100 waiters got a permit");
  // Sleeping waiters cost next to nothing (well under 1% here). A spinning
  // one takes all the CPU it can get, which on a busy machine may be only
  // a fraction of a core: hence the low bar.
  CHECK_MESSAGE(c.cpu_ms < 0.1 * c.wall_ms, "the process used " << c.cpu_ms
                << " ms of CPU in " << c.wall_ms << " ms while 100 waiters waited: "
                "they are spinning instead of sleeping");
}

TEST_CASE("a permit moved into a task spawned on 4 threads is given back there, once") {
  spawn_log log;
  std::size_t free_after = 0;
  lunch::run(acquire_then_spawn(log, free_after),
             {.deadline = 5s, .threads = 4,
              .what = "12 tasks on 4 threads, each spawned with a permit"});
  CHECK(log.had_permit == 12);
  const int peak = log.o.peak;
  CHECK_MESSAGE(peak == 3, peak << " tasks ran at once with 3 permits: a task "
                "holds its permit until it ends, and the loop waits for one");
  CHECK_MESSAGE(free_after == 3, free_after << " permits free after the tasks "
                "ended instead of 3: a permit given back from another thread got "
                "lost or counted twice");
}

TEST_CASE("four threads doing 40000 acquires leave exactly N permits") {
  occupancy o;
  std::size_t free_after = 0;
  lunch::run(share_three(make, o, 8, 5000, false, free_after),
             {.deadline = 20s, .threads = 4,
              .what = "8 tasks x 5000 acquires on 4 threads (a lost wake-up hangs here)"});
  CHECK_MESSAGE(o.peak <= 3, o.peak << " holders at once on 4 threads; the semaphore has 3");
  CHECK_MESSAGE(free_after == 3, free_after << " permits free at the end instead of 3");
}

TEST_CASE("on four threads, the last waiter of every round is woken (3000 rounds)") {
  int completed = 0;
  lunch::run(short_rounds(make, 3000, completed),
             {.deadline = 20s, .threads = 4,
              .what = "3000 rounds of 3 tasks sharing 1 permit (a lost wake-up hangs here)"});
  CHECK(completed == 3000);
}

}  // TEST_SUITE
