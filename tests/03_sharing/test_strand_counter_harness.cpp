// See test_strand_counter_harness.hpp. A data race shows up only sometimes;
// these scenarios do not rely on luck: every change asks "am I on the
// counter's strand?", and a change held on the strand shows whether total()
// waits for it.
#include "test_strand_counter_harness.hpp"

#include <boost/asio.hpp>

#include <atomic>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

using lunch::task_group;

namespace strand_counter_harness {
namespace {

// What on_change saw.
struct watcher {
  counter* counted = nullptr;  // set once the counter exists
  std::atomic<int> changes{0};
  std::atomic<int> off_strand{0};
  std::atomic<int> inside{0};
  std::atomic<int> overlapped{0};

  void on_change(long) {
    ++changes;
    if (!counted->get_strand().running_in_this_thread()) ++off_strand;
    if (++inside > 1) ++overlapped;
    --inside;
  }
};

struct work {
  int tasks;
  int increments;
  long total = 0;
  std::vector<std::atomic<int>> seen;  // seen[t - 1]: add() returned t
  std::atomic<int> away_from_home{0};  // calls after which the caller was elsewhere
  // The readers of the "reads race writes" test.
  int readers = 0;
  std::atomic<bool> adding_done{false};
  std::atomic<int> reads{0};
  std::atomic<int> went_down{0};
  std::atomic<int> above_final{0};
  explicit work(int tasks_, int increments_)
      : tasks(tasks_), increments(increments_), seen(tasks_ * increments_) {}
};

// Where a caller runs: on a strand of its own, or on a thread pool. After
// add() it must be back there. (Not simply "off the counter's strand": when
// the caller's strand shares the counter's io_context, Asio may resume the
// caller at once, nested inside the counter's strand's turn. It is then on
// its own strand as it should be, with the counter's strand still on the
// call stack.)
struct home {
  net::strand<net::any_io_executor> strand;
  net::thread_pool* pool = nullptr;
  bool here() const {
    return pool ? pool->get_executor().running_in_this_thread()
                : strand.running_in_this_thread();
  }
};

net::awaitable<void> add_ones(counter& c, work& w, home h) {
  for (int i = 0; i < w.increments; ++i) {
    const long after = co_await c.add(1);
    if (!h.here()) ++w.away_from_home;
    if (after >= 1 && after <= long(w.seen.size())) ++w.seen[after - 1];
  }
}

// Reads the total over and over while the adders run: each value must be
// at least the one before (every change adds 1) and at most the final one.
net::awaitable<void> read_while_adding(counter& c, work& w, home h) {
  const long final_total = long(w.tasks) * w.increments;
  long last = 0;
  for (; !w.adding_done; co_await lunch::let_others_run()) {
    const long now = co_await c.total();
    if (!h.here()) ++w.away_from_home;
    if (now < last) ++w.went_down;
    if (now > final_total) ++w.above_final;
    last = now;
    ++w.reads;
  }
}

// Where the adding tasks run.
enum class callers { own_strands, thread_pool };

net::awaitable<void> count_together(const make_counter_fn& make, watcher& seen, work& w,
                                    callers where) {
  auto ex = co_await net::this_coro::executor;
  const auto c = make(ex, [&seen](long total) { seen.on_change(total); });
  seen.counted = c.get();
  // Declared after the counter, so destroyed (and joined) before it.
  net::thread_pool pool(2);
  lunch::pending p("tasks adding to the counter");
  task_group adders(ex);
  task_group readers(ex);
  for (int i = 0; i < w.tasks; ++i) {
    // One strand each, like connections (they still run in parallel), or
    // all on the thread pool.
    home h{net::make_strand(ex), where == callers::thread_pool ? &pool : nullptr};
    if (h.pool)
      adders.spawn_on(pool.get_executor(), add_ones(*c, w, h));
    else
      adders.spawn_on(h.strand, add_ones(*c, w, h));
  }
  for (int i = 0; i < w.readers; ++i) {
    home h{net::make_strand(ex)};
    readers.spawn_on(h.strand, read_while_adding(*c, w, h));
  }
  co_await adders.wait();
  w.adding_done = true;
  co_await readers.wait();
  w.total = co_await c->total();
}

net::awaitable<void> add_and_read_task(const make_counter_fn& make, std::vector<long>& got) {
  const auto c = make(co_await net::this_coro::executor, {});
  got.push_back(co_await c->add(5));
  got.push_back(co_await c->add(-2));
  got.push_back(co_await c->total());
}

// --- total() takes its turn --------------------------------------------------
//
// Change 1 is held on the strand, inside its on_change, while on another
// thread a reader calls total() and then someone adds again (change 2). On
// the strand, the read comes after change 1 and before change 2. Change 2
// is held too, until the reader's thread has done whatever was waiting for
// it. So a total() that reads on the strand returns 1, after change 1 has
// finished. One that reads the counter directly returns while change 1 (or
// change 2) is still running on the strand: caught in the act.
struct turns {
  lunch::rendezvous change_1_held{2};  // change 1 running; the reader side queued
  lunch::rendezvous change_2_held{2};  // change 2 running; the reader side may go on
  lunch::rendezvous reader_caught_up{2};  // the reader's thread ran what was queued
  std::atomic<bool> change_1_started{false};
  std::atomic<long> finished{0};  // the last change whose on_change returned
  long read = -1;                 // what total() returned
  long finished_when_read = -1;

  void on_change(long t) {
    if (t == 1) {
      change_1_started = true;
      change_1_held.arrive_and_wait(1s);
    } else if (t == 2) {
      change_2_held.arrive_and_wait(1s);
      reader_caught_up.arrive_and_wait(1s);
    }
    finished = t;
  }
};

net::awaitable<void> read_total(counter& c, turns& t) {
  t.read = co_await c.total();
  t.finished_when_read = t.finished;
}

net::awaitable<void> add_one(counter& c) { co_await c.add(1); }

// Blocks the reader's thread from when change 1 is released until change 2
// runs, so that whatever the reader does next happens while change 2 is
// held; then lets change 2 end once the reader's thread has run everything
// that was queued for it meanwhile.
net::awaitable<void> hold_reader_thread(turns& t) {
  t.change_1_held.arrive_and_wait(1s);
  t.change_2_held.arrive_and_wait(1s);
  co_await lunch::let_others_run();  // goes to the back of the queue
  t.reader_caught_up.arrive_and_wait(1s);
}

net::awaitable<void> read_during_changes_task(const make_counter_fn& make, turns& t) {
  auto ex = co_await net::this_coro::executor;
  const auto c = make(ex, [&t](long total) { t.on_change(total); });
  // An add() or total() that throws fails here, on this thread, rather than
  // on the reader's thread pool, where an exception ends the program.
  co_await c->add(0);
  co_await c->total();
  net::thread_pool reader_thread(1);
  task_group group(ex);
  auto reader = reader_thread.get_executor();
  lunch::pending p("a reader and two changes taking turns on the strand");
  // Change 1 starts from the reader's thread too: spawned from here, it
  // would start inline and hold this coroutine's thread along with it.
  group.spawn_on(reader, add_one(*c));
  while (!t.change_1_started) co_await lunch::nap(1ms);
  // One thread, so these run in this order: total() queues on the strand
  // behind change 1, then change 2 behind it.
  group.spawn_on(reader, read_total(*c, t));
  group.spawn_on(reader, add_one(*c));
  group.spawn_on(reader, hold_reader_thread(t));
  co_await group.wait();
}

// The watcher's and the work's counts.
counted counts_of(const watcher& seen, const work& w) {
  counted r;
  r.changes = seen.changes;
  r.off_strand = seen.off_strand;
  r.overlapped = seen.overlapped;
  r.away_from_home = w.away_from_home;
  r.total = w.total;
  for (const auto& times : w.seen) {
    if (times == 0) ++r.missing;
    if (times > 1) ++r.repeated;
  }
  r.reads = w.reads;
  r.went_down = w.went_down;
  r.above_final = w.above_final;
  return r;
}

}  // namespace

std::vector<long> add_and_read(const make_counter_fn& make) {
  std::vector<long> got;
  lunch::run(add_and_read_task(make, got), {.deadline = 5s, .what = "add and total"});
  return got;
}

// Half the callers on strands of their own, half on a separate thread pool:
// add() must reach the counter's strand from anywhere, and come back.
counted own_strands_then_pool(const make_counter_fn& make) {
  watcher seen;
  work w(10, 50);
  lunch::run(count_together(make, seen, w, callers::own_strands),
             {.deadline = 5s,
              .threads = 4,
              .what = "10 tasks on their own strands adding to the counter"});
  work on_pool(10, 50);
  lunch::run(count_together(make, seen, on_pool, callers::thread_pool),
             {.deadline = 5s,
              .threads = 4,
              .what = "10 tasks on a thread pool adding to the counter"});
  counted r = counts_of(seen, w);
  r.away_from_home += on_pool.away_from_home;
  return r;
}

counted four_hundred_tasks(const make_counter_fn& make) {
  watcher seen;
  work w(4 * 100, 100);
  // 40'000 hops onto the strand and back take well under a second, but
  // ThreadSanitizer on a busy machine is ten times slower.
  lunch::run(count_together(make, seen, w, callers::own_strands),
             {.deadline = 15s,
              .threads = 4,
              .what = "400 tasks on 4 threads adding 100 times each"});
  return counts_of(seen, w);
}

counted adding_while_reading(const make_counter_fn& make) {
  watcher seen;
  work w(8, 200);
  w.readers = 2;
  lunch::run(count_together(make, seen, w, callers::own_strands),
             {.deadline = 10s,
              .threads = 4,
              .what = "8 tasks adding while 2 read the total"});
  return counts_of(seen, w);
}

read_turn read_during_changes(const make_counter_fn& make) {
  turns t;
  lunch::run(read_during_changes_task(make, t),
             {.deadline = 5s, .threads = 2, .what = "total() between two changes"});
  return {t.read, t.finished_when_read};
}

}  // namespace strand_counter_harness
