// See test_async_rwlock_harness.hpp. Holders co_await while inside the room,
// so a lock that lets the wrong one in is caught in the act.
#include "test_async_rwlock_harness.hpp"

#include <boost/asio.hpp>

#include <atomic>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

using lunch::let_others_run;
using lunch::nap;
using lunch::task_group;

namespace async_rwlock_harness {
namespace {

struct shared_room {
  std::atomic<int> readers{0};
  std::atomic<int> writers{0};
  std::atomic<int> broken{0};  // visits that broke the rules
  std::atomic<int> visits{0};
  int value = 0;  // written by writers only; the lock is its only guard
  bool log_entries = true;  // the multi-threaded scenario turns this off
  std::vector<std::string> entries;

  room seen() const { return {broken.load(), visits.load(), value, entries}; }
};

// Suspends inside the lock: for `stay`, or (0) just for a turn of the event
// loop, which is much cheaper than a timer when it happens 40000 times.
net::awaitable<void> stay_inside(std::chrono::milliseconds stay) {
  if (stay > 0ms)
    co_await nap(stay);
  else
    co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
}

net::awaitable<void> read_visit(rwlock& l, shared_room& r, std::string name,
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

net::awaitable<void> write_visit(rwlock& l, shared_room& r, std::string name,
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
using lunch::how_it_ended;
using lunch::start_cancellable;

// Reader 1 holds a read lock; the writer queues for the write lock and
// waits for reader 1 to leave; readers 2 and 3 arrive behind the writer.
// Then the writer is cancelled: readers 2 and 3 must get in at once, next
// to reader 1, since no writer is waiting any more.
net::awaitable<void> writer_cancelled_behind_readers(const make_rwlock_fn& make,
                                                     shared_room& r, after_cancel& a,
                                                     net::cancellation_signal& cancel,
                                                     ending& end) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  {
    auto g = co_await l->read_lock();
    ++r.readers;
    r.entries.push_back("reader 1");
    start_cancellable(ex, write_visit(*l, r, "writer", 5ms), cancel, end);
    co_await let_others_run();
    for (const char* name : {"reader 2", "reader 3"}) {
      group.spawn(read_visit(*l, r, name, 5ms));
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
  co_await write_visit(*l, r, "writer after", 0ms);
  a.writer_after = true;
}

// Writer 1 holds the lock; writer 2 queues behind it, and reader 3 behind
// writer 2. Writer 2 is cancelled, then writer 1 leaves: reader 3 must get
// in, not wait for a writer that is gone.
net::awaitable<void> writer_cancelled_behind_writer(const make_rwlock_fn& make,
                                                    shared_room& r, after_cancel& a,
                                                    net::cancellation_signal& cancel,
                                                    ending& end) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  {
    auto g = co_await l->write_lock();
    start_cancellable(ex, write_visit(*l, r, "writer 2", 5ms), cancel, end);
    co_await let_others_run();
    group.spawn(read_visit(*l, r, "reader 3", 5ms));
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
  co_await write_visit(*l, r, "writer after", 0ms);
  a.writer_after = true;
}

using cancel_scenario = net::awaitable<void> (*)(const make_rwlock_fn&, shared_room&,
                                                 after_cancel&, net::cancellation_signal&,
                                                 ending&);

after_cancel run_cancel_scenario(const make_rwlock_fn& make, cancel_scenario scenario,
                                 const std::string& what) {
  shared_room r;
  after_cancel a;
  net::cancellation_signal cancel;
  ending end;
  try {
    lunch::run(scenario(make, r, a, cancel, end), {.deadline = 2s, .what = what});
  } catch (const lunch::deadline_exceeded& e) {
    a.writer = how_it_ended(end);
    a.hang = e.what();
  }
  a.r = r.seen();
  return a;
}

// --- hand-over -------------------------------------------------------------

struct hand_over_state {
  hand_over& h;
  bool releasing = false;  // someone is inside an unlock
};

net::awaitable<void> take_turn(rwlock& l, hand_over_state& s, std::string name,
                               bool writer) {
  lunch::pending p(name + " waits for the lock");
  std::unique_ptr<held> g;
  if (writer)
    g = co_await l.write_lock();
  else
    g = co_await l.read_lock();
  if (s.releasing) s.h.ran_inside_unlock = true;
  s.h.order.push_back(name);
  co_await nap(1ms);
}

// The last reader out hands the lock to a waiting writer; that writer
// hands it on to the queue (writer 2, then reader 3) and at once asks for
// it again, while a newcomer (reader 4) arrives. Nobody may pass the queue,
// and nobody may run inside an unlock.
net::awaitable<void> hand_over_task(const make_rwlock_fn& make, hand_over_state& s) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  auto r = co_await l->read_lock();
  lunch::pending p("writer 1 waits for the lock");
  group.spawn(take_turn(*l, s, "writer 1", true));
  co_await let_others_run();
  s.releasing = true;
  r->unlock();  // the last reader out: writer 1's turn
  s.releasing = false;
  co_await group.wait();
  p.done();
  auto w = co_await l->write_lock();
  group.spawn(take_turn(*l, s, "writer 2", true));
  co_await let_others_run();
  group.spawn(take_turn(*l, s, "reader 3", false));
  co_await let_others_run();
  s.releasing = true;
  w->unlock();
  s.releasing = false;
  group.spawn(take_turn(*l, s, "reader 4", false));
  {
    lunch::pending again("the old holder waits for the write lock again");
    auto w2 = co_await l->write_lock();
    s.h.order.push_back("old holder");
  }
  co_await group.wait();
}

// --- readers together --------------------------------------------------------

// Proves that `expected` readers are inside at the same moment: each waits
// here, holding its read lock, until all have arrived. If the lock lets
// only one in at a time, the first waits alone and gives up.
struct shared_meeting {
  int expected;
  std::atomic<int> arrived{0};
  std::atomic<int> arrived_when_one_gave_up{0};
  std::atomic<bool> gave_up{false};
  std::atomic<int> met{0};
};

net::awaitable<void> read_and_meet(rwlock& l, shared_meeting& m) {
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

net::awaitable<void> readers_meet_task(const make_rwlock_fn& make, shared_meeting& m) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  for (int i = 0; i < m.expected; ++i) group.spawn(read_and_meet(*l, m));
  co_await group.wait();
}

// --- a writer alone ------------------------------------------------------------

net::awaitable<void> writer_alone_task(const make_rwlock_fn& make, shared_room& r,
                                       bool& early) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  // A reader that has come and gone: whatever "the last reader left" it
  // leaves behind is old news by the time the writer below waits.
  { auto early = co_await l->read_lock(); }
  {
    auto g = co_await l->read_lock();
    ++r.readers;
    group.spawn(write_visit(*l, r, "writer 1", 20ms));
    co_await let_others_run();
    early = r.writers != 0;
    --r.readers;
  }
  co_await let_others_run();  // writer 1 is inside now
  // Both arrive while writer 1 holds the lock: both must wait for it.
  group.spawn(read_visit(*l, r, "reader", 5ms));
  group.spawn(write_visit(*l, r, "writer 2", 5ms));
  co_await group.wait();
}

// --- no starvation -----------------------------------------------------------

net::awaitable<void> late_readers_task(const make_rwlock_fn& make, shared_room& r,
                                       int& late_inside) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  {
    auto g = co_await l->read_lock();
    ++r.readers;
    r.entries.push_back("reader 1");
    group.spawn(write_visit(*l, r, "writer", 5ms));
    co_await let_others_run();
    // The writer is waiting for reader 1. These readers come after it.
    for (const char* name : {"reader 2", "reader 3", "reader 4"}) {
      group.spawn(read_visit(*l, r, name, 5ms));
      co_await let_others_run();
    }
    for (const auto& name : r.entries)
      if (name != "reader 1" && name != "writer") ++late_inside;
    --r.readers;
  }
  co_await group.wait();
}

// --- many threads ------------------------------------------------------------

net::awaitable<void> visit_often(rwlock& l, shared_room& r, int id, int rounds) {
  const bool writer = id % 4 == 0;
  const std::string name = (writer ? "writer " : "reader ") + std::to_string(id);
  for (int i = 0; i < rounds; ++i) {
    if (writer)
      co_await write_visit(l, r, name, 0ms);
    else
      co_await read_visit(l, r, name, 0ms);
  }
}

net::awaitable<void> mixed_crowd_task(const make_rwlock_fn& make, shared_room& r,
                                      int rounds) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  for (int id = 0; id < 8; ++id) group.spawn(visit_often(*l, r, id, rounds));
  co_await group.wait();
}

// --- waiting costs nothing ---------------------------------------------------

net::awaitable<void> writer_waits_task(const make_rwlock_fn& make, shared_room& r) {
  auto ex = co_await net::this_coro::executor;
  const auto l = make(ex);
  task_group group(ex);
  group.spawn(read_visit(*l, r, "reader", 200ms));
  co_await let_others_run();
  group.spawn(write_visit(*l, r, "writer", 0ms));
  co_await group.wait();
}

}  // namespace

meeting readers_meet(const make_rwlock_fn& make, int expected, int threads,
                     const std::string& what) {
  shared_meeting m{expected};
  lunch::run(readers_meet_task(make, m), {.deadline = 5s, .threads = threads, .what = what});
  return {m.met.load(), m.arrived_when_one_gave_up.load()};
}

writer_alone writer_waits_for_reader(const make_rwlock_fn& make) {
  shared_room r;
  writer_alone w;
  lunch::run(writer_alone_task(make, r, w.early),
             {.deadline = 5s, .what = "a writer between readers and writers"});
  w.r = r.seen();
  return w;
}

late_readers reader_arrives_after_writer(const make_rwlock_fn& make) {
  shared_room r;
  late_readers l;
  lunch::run(late_readers_task(make, r, l.late_inside),
             {.deadline = 5s, .what = "readers arriving behind a waiting writer"});
  l.r = r.seen();
  return l;
}

room mixed_crowd(const make_rwlock_fn& make, int rounds) {
  shared_room r;
  r.log_entries = false;
  lunch::run(mixed_crowd_task(make, r, rounds),
             {.deadline = 20s,
              .threads = 4,
              .what = "6 readers and 2 writers on 4 threads, 5000 visits each"});
  return r.seen();
}

after_cancel cancel_writer_waiting_for_readers(const make_rwlock_fn& make) {
  return run_cancel_scenario(make, writer_cancelled_behind_readers,
                             "a writer cancelled while readers hold the lock");
}

after_cancel cancel_writer_waiting_for_writer(const make_rwlock_fn& make) {
  return run_cancel_scenario(make, writer_cancelled_behind_writer,
                             "a writer cancelled in the queue");
}

hand_over hand_over_twice(const make_rwlock_fn& make) {
  hand_over h;
  hand_over_state s{h};
  lunch::run(hand_over_task(make, s), {.deadline = 5s, .what = "two hand-overs"});
  return h;
}

waited writer_waits_200ms(const make_rwlock_fn& make) {
  shared_room r;
  waited w;
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(writer_waits_task(make, r),
             {.deadline = 5s, .what = "a writer waiting 200 ms for a reader"});
  w.cpu_ms = cpu.ms();
  w.wall_ms = sw.ms();
  w.r = r.seen();
  return w;
}

}  // namespace async_rwlock_harness
