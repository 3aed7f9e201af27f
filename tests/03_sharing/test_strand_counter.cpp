// Tests for exercises/03_sharing/strand_counter.hpp
//
// A data race shows up only sometimes, so the exact-total test alone could
// pass by luck. The other tests do not depend on luck: one asks, from
// inside every change, "am I running on the counter's strand?"; another
// holds a change on the strand and watches whether total() waits for it.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "strand_counter.hpp"

using namespace std::chrono_literals;

using lunch::task_group;

namespace {

// What on_change saw.
struct watcher {
  strand_counter* counter = nullptr;  // set once the counter exists
  std::atomic<int> changes{0};
  std::atomic<int> off_strand{0};
  std::atomic<int> inside{0};
  std::atomic<int> overlapped{0};

  void on_change(long) {
    ++changes;
    if (!counter->get_strand().running_in_this_thread()) ++off_strand;
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

net::awaitable<void> add_ones(strand_counter& c, work& w, home h) {
  for (int i = 0; i < w.increments; ++i) {
    const long after = co_await c.add(1);
    if (!h.here()) ++w.away_from_home;
    if (after >= 1 && after <= long(w.seen.size())) ++w.seen[after - 1];
  }
}

// Reads the total over and over while the adders run: each value must be
// at least the one before (every change adds 1) and at most the final one.
net::awaitable<void> read_while_adding(strand_counter& c, work& w, home h) {
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

struct turns;
void on_change_of(turns& t, long total);

// The counter's on_change in every test: one type, so that std::function is
// compiled for it once.
struct on_change_fn {
  watcher* seen;
  turns* t;
  void operator()(long total) const {
    if (seen) seen->on_change(total);
    if (t) on_change_of(*t, total);
  }
};

// Where the adding tasks run.
enum class callers { own_strands, thread_pool };

net::awaitable<void> count_together(watcher& seen, work& w, callers where) {
  auto ex = co_await net::this_coro::executor;
  strand_counter c(ex, on_change_fn{&seen, nullptr});
  seen.counter = &c;
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
      adders.spawn_on(pool.get_executor(), add_ones(c, w, h));
    else
      adders.spawn_on(h.strand, add_ones(c, w, h));
  }
  for (int i = 0; i < w.readers; ++i) {
    home h{net::make_strand(ex)};
    readers.spawn_on(h.strand, read_while_adding(c, w, h));
  }
  co_await adders.wait();
  w.adding_done = true;
  co_await readers.wait();
  w.total = co_await c.total();
}

net::awaitable<void> add_and_read(std::vector<long>& got) {
  strand_counter c(co_await net::this_coro::executor);
  got.push_back(co_await c.add(5));
  got.push_back(co_await c.add(-2));
  got.push_back(co_await c.total());
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

void on_change_of(turns& t, long total) { t.on_change(total); }

net::awaitable<void> read_total(strand_counter& c, turns& t) {
  t.read = co_await c.total();
  t.finished_when_read = t.finished;
}

net::awaitable<void> add_one(strand_counter& c) { co_await c.add(1); }

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

net::awaitable<void> read_during_changes(turns& t) {
  auto ex = co_await net::this_coro::executor;
  strand_counter c(ex, on_change_fn{nullptr, &t});
  // An add() or total() that throws fails here, on this thread, rather than
  // on the reader's thread pool, where an exception ends the program.
  co_await c.add(0);
  co_await c.total();
  net::thread_pool reader_thread(1);
  task_group group(ex);
  auto reader = reader_thread.get_executor();
  lunch::pending p("a reader and two changes taking turns on the strand");
  // Change 1 starts from the reader's thread too: spawned from here, it
  // would start inline and hold this coroutine's thread along with it.
  group.spawn_on(reader, add_one(c));
  while (!t.change_1_started) co_await lunch::nap(1ms);
  // One thread, so these run in this order: total() queues on the strand
  // behind change 1, then change 2 behind it.
  group.spawn_on(reader, read_total(c, t));
  group.spawn_on(reader, add_one(c));
  group.spawn_on(reader, hold_reader_thread(t));
  co_await group.wait();
}

}  // namespace

TEST_SUITE("strand_counter") {

TEST_CASE("add() returns the new total and total() reads it") {
  std::vector<long> got;
  lunch::run(add_and_read(got), {.deadline = 5s, .what = "add and total"});
  CHECK(got == std::vector<long>{5, 3, 3});
}

// Half the callers on strands of their own, half on a separate thread pool:
// add() must reach the counter's strand from anywhere, and come back.
TEST_CASE("every change runs on the counter's strand, one at a time, and callers come back") {
  watcher seen;
  work w(10, 50);
  lunch::run(count_together(seen, w, callers::own_strands),
             {.deadline = 5s,
              .threads = 4,
              .what = "10 tasks on their own strands adding to the counter"});
  work on_pool(10, 50);
  lunch::run(count_together(seen, on_pool, callers::thread_pool),
             {.deadline = 5s,
              .threads = 4,
              .what = "10 tasks on a thread pool adding to the counter"});
  const int changes = seen.changes;
  const int off_strand = seen.off_strand;
  const int overlapped = seen.overlapped;
  CHECK(changes == 2 * 10 * 50);
  CHECK_MESSAGE(off_strand == 0,
                off_strand << " of " << changes << " changes ran outside the "
                "counter's strand, where nothing stops two threads changing "
                "the total at once. A coroutine always resumes through its "
                "own executor (here a thread pool, or a strand of its own), "
                "so `co_await post(strand_, ...)` does not keep it on "
                "strand_; a coroutine co_spawned on strand_ runs there.");
  CHECK_MESSAGE(overlapped == 0,
                overlapped << " changes ran while another one was still "
                "running");
  const int away = w.away_from_home + on_pool.away_from_home;
  CHECK_MESSAGE(away == 0,
                away << " of " << changes << " add() calls returned with the "
                "caller somewhere other than its own executor (its strand, "
                "or the thread pool): a caller visits the counter's strand "
                "and then carries on where it runs, or all callers end up "
                "serialised on the counter's strand");
}

TEST_CASE("4 threads x 100 tasks each x 100 increments add up to 40000") {
  watcher seen;
  work w(4 * 100, 100);
  // 40'000 hops onto the strand and back take well under a second, but
  // ThreadSanitizer on a busy machine is ten times slower.
  lunch::run(count_together(seen, w, callers::own_strands),
             {.deadline = 15s,
              .threads = 4,
              .what = "400 tasks on 4 threads adding 100 times each"});
  CHECK_MESSAGE(w.total == 40000,
                "the total is " << w.total << ", not 40000: updates from "
                "different threads were lost");
  int repeated = 0;
  int missing = 0;
  for (const auto& times : w.seen) {
    if (times == 0) ++missing;
    if (times > 1) ++repeated;
  }
  CHECK_MESSAGE(repeated + missing == 0,
                "add() should return each total from 1 to 40000 exactly once; "
                << repeated << " were returned more than once and " << missing
                << " never: two additions saw the same old total");
}

TEST_CASE("total() waits for a change running on the strand, and never returns it half done") {
  turns t;
  lunch::run(read_during_changes(t),
             {.deadline = 5s, .threads = 2, .what = "total() between two changes"});
  REQUIRE(t.read >= 0);
  CHECK_MESSAGE(t.finished_when_read >= t.read,
                "total() returned " << t.read << " while the change that "
                "made the total " << t.read << " was still running on the "
                "strand (its on_change had not returned): total() read the "
                "counter without waiting for its turn on the strand. A read "
                "needs the strand as much as a change does");
}

// Reads race with writes here on purpose: under ThreadSanitizer (the
// "threads" suite), a total() that reads the counter off the strand is
// reported as a data race even when the values look right.
TEST_CASE("total() read while additions fly from other threads only grows") {
  watcher seen;
  work w(8, 200);
  w.readers = 2;
  lunch::run(count_together(seen, w, callers::own_strands),
             {.deadline = 10s,
              .threads = 4,
              .what = "8 tasks adding while 2 read the total"});
  CHECK(w.reads.load() > 0);
  CHECK_MESSAGE(w.went_down.load() == 0,
                w.went_down.load() << " reads returned less than the read "
                "before, although the total only grows");
  CHECK_MESSAGE(w.above_final.load() == 0,
                w.above_final.load() << " reads returned more than the final "
                "total, " << 8 * 200);
  CHECK_MESSAGE(w.total == 8 * 200, "the final total is " << w.total
                << ", not " << 8 * 200);
  CHECK_MESSAGE(w.away_from_home.load() == 0,
                w.away_from_home.load() << " add() or total() calls returned "
                "with the caller somewhere other than its own strand");
}

}  // TEST_SUITE
