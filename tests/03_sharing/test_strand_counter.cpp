// Tests for exercises/03_sharing/strand_counter.hpp
//
// A data race shows up only sometimes, so the exact-total test alone could
// pass by luck. The strand test does not depend on luck: it asks, from
// inside every change, "am I running on the counter's strand?".
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "strand_counter.hpp"

using namespace std::chrono_literals;
using boost::system::error_code;

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
  explicit work(int tasks_, int increments_)
      : tasks(tasks_), increments(increments_), seen(tasks_ * increments_) {}
};

net::awaitable<void> add_ones(strand_counter& c, work& w) {
  auto ex = co_await net::this_coro::executor;
  for (int i = 0; i < w.increments; ++i) {
    const long after = co_await c.add(1);
    if (after >= 1 && after <= long(w.seen.size())) ++w.seen[after - 1];
    co_await net::post(ex, net::use_awaitable);  // let other tasks interleave
  }
}

// Where the adding tasks run.
enum class callers { own_strands, thread_pool };

net::awaitable<void> count_together(watcher& seen, work& w, callers where) {
  auto ex = co_await net::this_coro::executor;
  strand_counter c(ex, [&seen](long t) { seen.on_change(t); });
  seen.counter = &c;
  // Declared after the counter, so destroyed (and joined) before it.
  net::thread_pool pool(2);
  lunch::pending p("tasks adding to the counter");
  task_group group(ex);
  for (int i = 0; i < w.tasks; ++i) {
    if (where == callers::thread_pool)
      group.spawn_on(pool.get_executor(), add_ones(c, w));
    else  // one strand each, like connections; they still run in parallel
      group.spawn_on(net::make_strand(ex), add_ones(c, w));
  }
  co_await group.wait();
  w.total = co_await c.total();
}

net::awaitable<void> add_and_read(std::vector<long>& got) {
  strand_counter c(co_await net::this_coro::executor);
  got.push_back(co_await c.add(5));
  got.push_back(co_await c.add(-2));
  got.push_back(co_await c.total());
}

}  // namespace

TEST_SUITE("strand_counter") {

TEST_CASE("add() returns the new total and total() reads it") {
  std::vector<long> got;
  lunch::run(add_and_read(got), {.deadline = 5s, .what = "add and total"});
  CHECK(got == std::vector<long>{5, 3, 3});
}

// Half the callers on strands of their own, half on a separate thread pool:
// add() must reach the counter's strand from anywhere.
TEST_CASE("every change runs on the counter's strand, one at a time") {
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

}  // TEST_SUITE
