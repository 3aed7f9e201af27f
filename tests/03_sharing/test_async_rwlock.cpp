// Tests for exercises/03_sharing/async_rwlock.hpp
//
// Every holder walks into a `room` that counts who is inside and notes any
// visit that breaks the rules (a reader next to a writer, two writers).
// Holders co_await while inside, so a lock that lets the wrong one in is
// caught in the act.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel_error.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <string>
#include <vector>

#include "async_rwlock.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;
using boost::system::error_code;

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;

namespace {

struct room {
  std::atomic<int> readers{0};
  std::atomic<int> writers{0};
  std::atomic<int> broken{0};  // visits that broke the rules
  std::atomic<int> visits{0};
  int value = 0;  // written by writers only; the lock is its only guard
  bool log_entries = true;  // the multi-threaded test turns this off
  std::vector<std::string> entries;
};

// Suspends inside the lock: for `stay`, or (0) just for a turn of the event
// loop, which is much cheaper than a timer when it happens 40000 times.
net::awaitable<void> stay_inside(std::chrono::milliseconds stay) {
  if (stay > 0ms)
    co_await nap(stay);
  else
    co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

net::awaitable<void> read_visit(async_rwlock& l, room& r, std::string name,
                                std::chrono::milliseconds stay) {
  lunch::pending p(name + " waits for a read lock");
  auto g = co_await l.read_lock();
  p.set(name + " holds a read lock");
  ++r.readers;
  if (r.writers != 0) ++r.broken;
  if (r.log_entries) r.entries.push_back(name);
  [[maybe_unused]] const int seen = r.value;
  co_await stay_inside(stay);
  if (r.writers != 0) ++r.broken;
  --r.readers;
  ++r.visits;
}

net::awaitable<void> write_visit(async_rwlock& l, room& r, std::string name,
                                 std::chrono::milliseconds stay) {
  lunch::pending p(name + " waits for the write lock");
  auto g = co_await l.write_lock();
  p.set(name + " holds the write lock");
  if (++r.writers != 1 || r.readers != 0) ++r.broken;
  if (r.log_entries) r.entries.push_back(name);
  const int seen = r.value;
  co_await stay_inside(stay);
  r.value = seen + 1;
  if (r.writers != 1 || r.readers != 0) ++r.broken;
  --r.writers;
  ++r.visits;
}

// --- cancelling a waiting writer -------------------------------------------

// How a waiter that was cancelled ended: lunch::start_cancellable starts
// it, lunch::how_it_ended says "cancelled" or what happened instead.
using lunch::ending;
using lunch::start_cancellable;
using lunch::how_it_ended;

struct after_cancel {
  std::string writer;            // how the cancelled writer's wait ended
  bool readers_got_in = false;   // the readers behind it got in in time
  bool writer_after = false;     // a new writer got the lock at the end
};

// Reader 1 holds a read lock; the writer queues for the write lock and
// waits for reader 1 to leave; readers 2 and 3 arrive behind the writer.
// Then the writer is cancelled: readers 2 and 3 must get in at once, next
// to reader 1, since no writer is waiting any more.
net::awaitable<void> cancel_writer_waiting_for_readers(room& r, after_cancel& a,
                                                       net::cancellation_signal& cancel,
                                                       ending& end) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  {
    auto g = co_await l.read_lock();
    ++r.readers;
    r.entries.push_back("reader 1");
    start_cancellable(ex, write_visit(l, r, "writer", 5ms), cancel, end);
    co_await let_others_run();
    for (const char* name : {"reader 2", "reader 3"}) {
      group.spawn(read_visit(l, r, name, 5ms));
      co_await let_others_run();
    }
    cancel.emit(net::cancellation_type::terminal);
    co_await let_others_run();
    a.writer = how_it_ended(end);
    a.readers_got_in = r.entries.size() == 3;
    --r.readers;
  }
  co_await group.wait();
  lunch::pending p("the cancelled writer, to end one way or another");
  while (!end.done) co_await nap(1ms);
  p.set("a new writer, once everyone has left");
  co_await write_visit(l, r, "writer after", 0ms);
  a.writer_after = true;
}

// Writer 1 holds the lock; writer 2 queues behind it, and reader 3 behind
// writer 2. Writer 2 is cancelled, then writer 1 leaves: reader 3 must get
// in, not wait for a writer that is gone.
net::awaitable<void> cancel_writer_waiting_for_writer(room& r, after_cancel& a,
                                                      net::cancellation_signal& cancel,
                                                      ending& end) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  {
    auto g = co_await l.write_lock();
    start_cancellable(ex, write_visit(l, r, "writer 2", 5ms), cancel, end);
    co_await let_others_run();
    group.spawn(read_visit(l, r, "reader 3", 5ms));
    co_await let_others_run();
    cancel.emit(net::cancellation_type::terminal);
    co_await let_others_run();
    a.writer = how_it_ended(end);
  }
  co_await group.wait();
  a.readers_got_in = r.entries.size() == 1 && r.entries[0] == "reader 3";
  lunch::pending p("the cancelled writer, to end one way or another");
  while (!end.done) co_await nap(1ms);
  p.set("a new writer, once everyone has left");
  co_await write_visit(l, r, "writer after", 0ms);
  a.writer_after = true;
}

void check_after_cancel(const room& r, const after_cancel& a, const char* readers) {
  CHECK_MESSAGE(a.writer == "cancelled",
                "the writer was cancelled while it waited; its write_lock() "
                << a.writer << ". It should end at once, with a "
                "boost::system::system_error whose code is operation_aborted "
                "(or a channel's channel_cancelled), and hold nothing");
  CHECK_MESSAGE(a.readers_got_in,
                readers << " did not get in once the writer ahead of them was "
                "cancelled: the cancelled writer left the door shut behind it");
  CHECK_MESSAGE(a.writer_after, "a new writer could not get the lock at the end");
  CHECK(r.broken.load() == 0);
}

// --- hand-over -------------------------------------------------------------

struct hand_over {
  bool releasing = false;          // someone is inside an unlock
  bool ran_inside_unlock = false;  // and a waiter ran meanwhile
  std::vector<std::string> order;
};

net::awaitable<void> take_turn(async_rwlock& l, hand_over& h, std::string name,
                               bool writer) {
  lunch::pending p(name + " waits for the lock");
  if (writer) {
    auto g = co_await l.write_lock();
    if (h.releasing) h.ran_inside_unlock = true;
    h.order.push_back(name);
    co_await nap(1ms);
  } else {
    auto g = co_await l.read_lock();
    if (h.releasing) h.ran_inside_unlock = true;
    h.order.push_back(name);
    co_await nap(1ms);
  }
}

// The last reader out hands the lock to a waiting writer; that writer
// hands it on to the queue (writer 2, then reader 3) and at once asks for
// it again, while a newcomer (reader 4) arrives. Nobody may pass the queue,
// and nobody may run inside an unlock.
net::awaitable<void> hand_over_twice(hand_over& h) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  auto r = co_await l.read_lock();
  lunch::pending p("writer 1 waits for the lock");
  group.spawn(take_turn(l, h, "writer 1", true));
  co_await let_others_run();
  h.releasing = true;
  r.unlock();  // the last reader out: writer 1's turn
  h.releasing = false;
  co_await group.wait();
  p.done();
  auto w = co_await l.write_lock();
  group.spawn(take_turn(l, h, "writer 2", true));
  co_await let_others_run();
  group.spawn(take_turn(l, h, "reader 3", false));
  co_await let_others_run();
  h.releasing = true;
  w.unlock();
  h.releasing = false;
  group.spawn(take_turn(l, h, "reader 4", false));
  {
    lunch::pending again("the old holder waits for the write lock again");
    auto w2 = co_await l.write_lock();
    h.order.push_back("old holder");
  }
  co_await group.wait();
}

// --- readers together --------------------------------------------------------

// Proves that `expected` readers are inside at the same moment: each waits
// here, holding its read lock, until all have arrived. If the lock lets
// only one in at a time, the first waits alone and gives up.
struct meeting {
  int expected;
  std::atomic<int> arrived{0};
  std::atomic<int> arrived_when_one_gave_up{0};
  std::atomic<bool> gave_up{false};
  std::atomic<int> met{0};
};

net::awaitable<void> read_and_meet(async_rwlock& l, meeting& m) {
  lunch::pending p("a reader waits for a read lock");
  auto g = co_await l.read_lock();
  p.set("a reader holds a read lock and waits for the others");
  ++m.arrived;
  lunch::stopwatch sw;
  while (m.arrived < m.expected && !m.gave_up) {
    if (sw.elapsed() > 500ms && !m.gave_up.exchange(true))
      m.arrived_when_one_gave_up = m.arrived.load();
    co_await nap(1ms);
  }
  if (m.arrived >= m.expected) ++m.met;
}

net::awaitable<void> readers_meet(meeting& m) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  for (int i = 0; i < m.expected; ++i) group.spawn(read_and_meet(l, m));
  co_await group.wait();
}

void check_met(const meeting& m) {
  const int met = m.met;
  const int arrived = m.arrived_when_one_gave_up;
  CHECK_MESSAGE(met == m.expected,
                "a reader holding the lock waited 500 ms for the others, but "
                "only " << arrived << " of " << m.expected << " readers had "
                "got in by then: readers must share the lock, not take turns");
}

// --- a writer alone ------------------------------------------------------------

net::awaitable<void> writer_waits_for_reader(room& r, bool& early) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  // A reader that has come and gone: whatever "the last reader left" it
  // leaves behind is old news by the time the writer below waits.
  { auto early = co_await l.read_lock(); }
  {
    auto g = co_await l.read_lock();
    ++r.readers;
    group.spawn(write_visit(l, r, "writer 1", 20ms));
    co_await let_others_run();
    early = r.writers != 0;
    --r.readers;
  }
  co_await let_others_run();  // writer 1 is inside now
  // Both arrive while writer 1 holds the lock: both must wait for it.
  group.spawn(read_visit(l, r, "reader", 5ms));
  group.spawn(write_visit(l, r, "writer 2", 5ms));
  co_await group.wait();
}

// --- no starvation -----------------------------------------------------------

net::awaitable<void> reader_arrives_after_writer(room& r, int& late_inside) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  {
    auto g = co_await l.read_lock();
    ++r.readers;
    r.entries.push_back("reader 1");
    group.spawn(write_visit(l, r, "writer", 5ms));
    co_await let_others_run();
    // The writer is waiting for reader 1. These readers come after it.
    for (const char* name : {"reader 2", "reader 3", "reader 4"}) {
      group.spawn(read_visit(l, r, name, 5ms));
      co_await let_others_run();
    }
    for (const auto& name : r.entries)
      if (name != "reader 1" && name != "writer") ++late_inside;
    --r.readers;
  }
  co_await group.wait();
}

// --- releasing ---------------------------------------------------------------

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

// --- many threads ------------------------------------------------------------

net::awaitable<void> visit_often(async_rwlock& l, room& r, int id, int rounds) {
  const bool writer = id % 4 == 0;
  const std::string name = (writer ? "writer " : "reader ") + std::to_string(id);
  for (int i = 0; i < rounds; ++i) {
    if (writer)
      co_await write_visit(l, r, name, 0ms);
    else
      co_await read_visit(l, r, name, 0ms);
  }
}

net::awaitable<void> mixed_crowd(room& r, int rounds) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  for (int id = 0; id < 8; ++id) group.spawn(visit_often(l, r, id, rounds));
  co_await group.wait();
}

// --- waiting costs nothing ---------------------------------------------------

net::awaitable<void> writer_waits_200ms(room& r) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  group.spawn(read_visit(l, r, "reader", 200ms));
  co_await let_others_run();
  group.spawn(write_visit(l, r, "writer", 0ms));
  co_await group.wait();
}

}  // namespace

TEST_SUITE("async_rwlock") {

TEST_CASE("five readers hold the lock at the same time") {
  meeting m{5};
  lunch::run(readers_meet(m), {.deadline = 5s, .what = "5 readers meeting"});
  check_met(m);
}

TEST_CASE("eight readers on four threads hold the lock at the same time") {
  meeting m{8};
  lunch::run(readers_meet(m),
             {.deadline = 5s, .threads = 4, .what = "8 readers on 4 threads meeting"});
  check_met(m);
}

TEST_CASE("a writer waits for the readers inside, then holds the lock alone") {
  room r;
  bool early = false;
  lunch::run(writer_waits_for_reader(r, early),
             {.deadline = 5s, .what = "a writer between readers and writers"});
  CHECK_MESSAGE(!early, "the writer got in while a reader held the lock");
  CHECK_MESSAGE(r.broken.load() == 0,
                r.broken.load() << " visits found a reader and a writer, or two "
                "writers, inside at the same time");
  CHECK(r.value == 2);
}

TEST_CASE("readers that arrive while a writer waits get in after the writer") {
  room r;
  int late_inside = 0;
  lunch::run(reader_arrives_after_writer(r, late_inside),
             {.deadline = 5s, .what = "readers arriving behind a waiting writer"});
  CHECK_MESSAGE(late_inside == 0,
                late_inside << " readers that arrived after the writer joined "
                "the reader already inside, while the writer waited. With a "
                "steady stream of readers like that, the writer never gets in");
  REQUIRE(r.entries.size() == 5);
  CHECK_MESSAGE(r.entries[1] == "writer",
                "after reader 1 left, " << r.entries[1] << " got in before "
                "the writer, who had been waiting longer");
  CHECK(r.broken.load() == 0);
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
  room r;
  r.log_entries = false;
  lunch::run(mixed_crowd(r, 5000),
             {.deadline = 20s,
              .threads = 4,
              .what = "6 readers and 2 writers on 4 threads, 5000 visits each"});
  CHECK(r.visits.load() == 8 * 5000);
  CHECK_MESSAGE(r.broken.load() == 0,
                r.broken.load() << " visits found a reader and a writer, or two "
                "writers, inside at the same time");
  CHECK_MESSAGE(r.value == 2 * 5000, "10000 write visits added 1 each, but the "
                "value is " << r.value << ": writers overlapped");
}

TEST_CASE("a write_lock() cancelled while it waits for the readers leaves the door open") {
  room r;
  after_cancel a;
  net::cancellation_signal cancel;
  ending end;
  try {
    lunch::run(cancel_writer_waiting_for_readers(r, a, cancel, end),
               {.deadline = 2s, .what = "a writer cancelled while readers hold the lock"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK("after the waiting writer was cancelled, the lock never "
               "reached everyone: the door it kept shut for the readers "
               "behind it stayed shut. How the writer's wait ended: "
               << how_it_ended(end) << "\n" << std::string(e.what()));
    return;
  }
  check_after_cancel(r, a, "readers 2 and 3");
}

TEST_CASE("a write_lock() cancelled while it queues behind a writer strands nobody") {
  room r;
  after_cancel a;
  net::cancellation_signal cancel;
  ending end;
  try {
    lunch::run(cancel_writer_waiting_for_writer(r, a, cancel, end),
               {.deadline = 2s, .what = "a writer cancelled in the queue"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK("after writer 2 was cancelled in the queue, the lock never "
               "reached reader 3 behind it: a cancelled waiter must leave "
               "the queue, or the lock is handed to nobody. How writer 2's "
               "wait ended: " << how_it_ended(end) << "\n" << std::string(e.what()));
    return;
  }
  check_after_cancel(r, a, "reader 3");
}

TEST_CASE("the lock goes to the oldest waiter at each hand-over, never inside an unlock") {
  hand_over h;
  lunch::run(hand_over_twice(h), {.deadline = 5s, .what = "two hand-overs"});
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
  room r;
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(writer_waits_200ms(r),
             {.deadline = 5s, .what = "a writer waiting 200 ms for a reader"});
  CHECK(r.visits.load() == 2);
  // A writer that checks "any readers left?" in a loop of co_await post(...)
  // burns a whole core; one that waits to be woken, next to nothing.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while a writer "
                "waited " << sw.ms() << " ms for a reader: it polls instead "
                "of waiting to be woken");
}

}  // TEST_SUITE
