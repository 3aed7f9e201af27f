// Tests for exercises/03_sharing/async_rwlock.hpp
//
// Every holder walks into a `room` that counts who is inside and notes any
// visit that breaks the rules (a reader next to a writer, two writers).
// Holders co_await while inside, so a lock that lets the wrong one in is
// caught in the act. The room, the holders and the scenarios are in
// test_async_rwlock_harness.cpp, compiled once with the course; they reach
// the lock through the interface below. The guards' own test stays here.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "async_rwlock.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "test_async_rwlock_harness.hpp"

using namespace std::chrono_literals;
using namespace async_rwlock_harness;

namespace {

// The learner's async_rwlock and guards behind the harness's interface.
template <class Guard>
struct the_guard final : held {
  Guard g;
  explicit the_guard(Guard g_) : g(std::move(g_)) {}
  void unlock() override { g.unlock(); }
};

struct the_rwlock final : rwlock {
  async_rwlock l;
  explicit the_rwlock(net::any_io_executor ex) : l(std::move(ex)) {}
  net::awaitable<std::unique_ptr<held>> read_lock() override {
    co_return std::make_unique<the_guard<async_rwlock::read_guard>>(co_await l.read_lock());
  }
  net::awaitable<std::unique_ptr<held>> write_lock() override {
    co_return std::make_unique<the_guard<async_rwlock::write_guard>>(co_await l.write_lock());
  }
};

std::unique_ptr<rwlock> make(net::any_io_executor ex) {
  return std::make_unique<the_rwlock>(std::move(ex));
}

void check_met(const meeting& m, int expected) {
  const int met = m.met;
  const int arrived = m.arrived_when_one_gave_up;
  CHECK_MESSAGE(met == expected,
                "a reader holding the lock waited 500 ms for the others, but "
                "only " << arrived << " of " << expected << " readers had "
                "got in by then: readers must share the lock, not take turns");
}

void check_after_cancel(const after_cancel& a, const char* readers) {
  CHECK_MESSAGE(a.writer == "cancelled",
                "the writer was cancelled while it waited; its write_lock() "
                << a.writer << ". It should end at once, with a "
                "boost::system::system_error whose code is operation_aborted "
                "(or a channel's channel_cancelled), and hold nothing");
  CHECK_MESSAGE(a.readers_got_in,
                readers << " did not get in once the writer ahead of them was "
                "cancelled: the cancelled writer left the door shut behind it");
  CHECK_MESSAGE(a.writer_after, "a new writer could not get the lock at the end");
  CHECK(a.r.broken == 0);
}

net::awaitable<void> guards_release() {
  async_rwlock l(co_await net::this_coro::executor);
  lunch::pending p("a lock after a read guard went out of scope");
  { auto r = co_await l.read_lock(); }
  { auto w = co_await l.write_lock(); }
  p.set("a lock after a write guard went out of scope");
  { auto r = co_await l.read_lock(); }
  p.set("a write lock after an early unlock() of a read guard");
  auto r = co_await l.read_lock();
  r.unlock();
  CHECK(!r.owns_lock());
  auto w = co_await l.write_lock();
  p.set("a read lock after a write guard was moved and destroyed");
  { auto moved = std::move(w); }
  CHECK(!w.owns_lock());
  { auto again = co_await l.read_lock(); }
}

}  // namespace

TEST_SUITE("async_rwlock") {

TEST_CASE("five readers hold the lock at the same time") {
  const meeting m = readers_meet(make, 5, 1, "5 readers meeting");
  check_met(m, 5);
}

TEST_CASE("eight readers on four threads hold the lock at the same time") {
  const meeting m = readers_meet(make, 8, 4, "8 readers on 4 threads meeting");
  check_met(m, 8);
}

TEST_CASE("a writer waits for the readers inside, then holds the lock alone") {
  const writer_alone w = writer_waits_for_reader(make);
  const room& r = w.r;
  const bool early = w.early;
  CHECK_MESSAGE(!early, "the writer got in while a reader held the lock");
  CHECK_MESSAGE(r.broken == 0,
                r.broken << " visits found a reader and a writer, or two "
                "writers, inside at the same time");
  CHECK(r.value == 2);
}

TEST_CASE("readers that arrive while a writer waits get in after the writer") {
  const late_readers l = reader_arrives_after_writer(make);
  const room& r = l.r;
  const int late_inside = l.late_inside;
  CHECK_MESSAGE(late_inside == 0,
                late_inside << " readers that arrived after the writer joined "
                "the reader already inside, while the writer waited. With a "
                "steady stream of readers like that, the writer never gets in");
  REQUIRE(r.entries.size() == 5);
  CHECK_MESSAGE(r.entries[1] == "writer",
                "after reader 1 left, " << r.entries[1] << " got in before "
                "the writer, who had been waiting longer");
  CHECK(r.broken == 0);
}

TEST_CASE("guards release on scope exit, on unlock() and after a move") {
  lunch::run(guards_release(),
             {.deadline = 5s, .what = "locking again after each kind of release"});
}

// A lost wake-up (a writer that misses "the last reader left") or a stale
// one (a writer that trusts an old signal) shows up once in thousands of
// visits, not in a hundred: hence the scale. A writer that is never woken
// hangs the run, and the deadline turns that into a failure.
TEST_CASE("on four threads, a writer is always alone: 4 x 10000 visits") {
  const room r = mixed_crowd(make, 5000);
  CHECK(r.visits == 8 * 5000);
  CHECK_MESSAGE(r.broken == 0,
                r.broken << " visits found a reader and a writer, or two "
                "writers, inside at the same time");
  CHECK_MESSAGE(r.value == 2 * 5000, "10000 write visits added 1 each, but the "
                "value is " << r.value << ": writers overlapped");
}

TEST_CASE("a write_lock() cancelled while it waits for the readers leaves the door open") {
  const after_cancel a = cancel_writer_waiting_for_readers(make);
  if (!a.hang.empty()) {
    FAIL_CHECK("after the waiting writer was cancelled, the lock never "
               "reached everyone: the door it kept shut for the readers "
               "behind it stayed shut. How the writer's wait ended: "
               << a.writer << "\n" << a.hang);
    return;
  }
  check_after_cancel(a, "readers 2 and 3");
}

TEST_CASE("a write_lock() cancelled while it queues behind a writer strands nobody") {
  const after_cancel a = cancel_writer_waiting_for_writer(make);
  if (!a.hang.empty()) {
    FAIL_CHECK("after writer 2 was cancelled in the queue, the lock never "
               "reached reader 3 behind it: a cancelled waiter must leave "
               "the queue, or the lock is handed to nobody. How writer 2's "
               "wait ended: " << a.writer << "\n" << a.hang);
    return;
  }
  check_after_cancel(a, "reader 3");
}

TEST_CASE("the lock goes to the oldest waiter at each hand-over, never inside an unlock") {
  const hand_over h = hand_over_twice(make);
  CHECK_MESSAGE(!h.ran_inside_unlock,
                "a waiter ran inside unlock(): unlocking must only let the "
                "next one resume later, from the event loop. Run inline, it "
                "would run inside whatever destroyed the guard");
  REQUIRE(h.order.size() == 5);
  std::string seen;
  for (const auto& name : h.order) seen += (seen.empty() ? "" : ", ") + name;
  const std::vector<std::string> first_three(h.order.begin(), h.order.begin() + 3);
  const std::vector<std::string> oldest_first{"writer 1", "writer 2", "reader 3"};
  CHECK_MESSAGE(first_three == oldest_first,
                "the lock went to " << seen << "; writer 2 and then reader 3 "
                "were waiting when it was released, so they come first: "
                "before the old holder asking again at once, and before the "
                "newcomer reader 4");
}

TEST_CASE("a waiting writer burns no CPU") {
  const waited w = writer_waits_200ms(make);
  CHECK(w.r.visits == 2);
  // A writer that checks "any readers left?" in a loop of co_await post(...)
  // burns a whole core; one that waits to be woken, next to nothing.
  CHECK_MESSAGE(w.cpu_ms < 0.1 * w.wall_ms,
                "the process used " << w.cpu_ms << " ms of CPU while a writer "
                "waited " << w.wall_ms << " ms for a reader: it polls instead "
                "of waiting to be woken");
}

}  // TEST_SUITE
