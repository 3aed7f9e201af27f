// Tests for exercises/03_sharing/async_rwlock.hpp
//
// Every holder walks into a `room` that counts who is inside and notes any
// visit that breaks the rules (a reader next to a writer, two writers).
// Holders co_await while inside, so a lock that lets the wrong one in is
// caught in the act.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

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

net::awaitable<void> read_visit(async_rwlock& l, room& r, std::string name,
                                std::chrono::milliseconds stay) {
  lunch::pending p(name + " waits for a read lock");
  auto g = co_await l.read_lock();
  p.set(name + " holds a read lock");
  ++r.readers;
  if (r.writers != 0) ++r.broken;
  if (r.log_entries) r.entries.push_back(name);
  [[maybe_unused]] const int seen = r.value;
  co_await nap(stay);
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
  co_await nap(stay);
  r.value = seen + 1;
  if (r.writers != 1 || r.readers != 0) ++r.broken;
  --r.writers;
  ++r.visits;
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

net::awaitable<void> mixed_crowd(room& r) {
  auto ex = co_await net::this_coro::executor;
  async_rwlock l(ex);
  task_group group(ex);
  for (int id = 0; id < 8; ++id) group.spawn(visit_often(l, r, id, 25));
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

TEST_CASE("on four threads, a writer is always alone") {
  room r;
  r.log_entries = false;
  lunch::run(mixed_crowd(r),
             {.deadline = 5s,
              .threads = 4,
              .what = "6 readers and 2 writers on 4 threads, 25 visits each"});
  CHECK(r.visits.load() == 200);
  CHECK_MESSAGE(r.broken.load() == 0,
                r.broken.load() << " visits found a reader and a writer, or two "
                "writers, inside at the same time");
  CHECK_MESSAGE(r.value == 50, "50 write visits added 1 each, but the value is "
                << r.value << ": writers overlapped");
}

}  // TEST_SUITE
