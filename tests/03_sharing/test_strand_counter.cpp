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
#include "strand_counter.hpp"

using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// Starts tasks at once and waits for all of them: a small join set. A task
// that throws stops the test's event loop, so the failure shows at once.
class task_group {
 public:
  explicit task_group(net::any_io_executor ex)
      : ex_(ex), finished_(ex, 1 << 16) {}
  void spawn(net::awaitable<void> task) {
    ++started_;
    net::co_spawn(ex_, std::move(task), [this](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      finished_.try_send(error_code{});
    });
  }
  net::awaitable<void> wait() {
    for (; started_ > 0; --started_)
      co_await finished_.async_receive(net::use_awaitable);
  }

 private:
  net::any_io_executor ex_;
  net::experimental::concurrent_channel<void(error_code)> finished_;
  int started_ = 0;
};

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

net::awaitable<void> count_together(watcher& seen, work& w) {
  auto ex = co_await net::this_coro::executor;
  strand_counter c(ex, [&seen](long t) { seen.on_change(t); });
  seen.counter = &c;
  lunch::pending p("tasks adding to the counter");
  task_group group(ex);
  for (int i = 0; i < w.tasks; ++i) group.spawn(add_ones(c, w));
  co_await group.wait();
  w.total = co_await c.total();
}

net::awaitable<void> add_and_read(std::vector<long>& got) {
  strand_counter c(co_await net::this_coro::executor);
  got.push_back(co_await c.total());
  got.push_back(co_await c.add(5));
  got.push_back(co_await c.add(-2));
  got.push_back(co_await c.total());
}

}  // namespace

TEST_SUITE("strand_counter") {

TEST_CASE("add() returns the new total and total() reads it") {
  std::vector<long> got;
  lunch::run(add_and_read(got), {.deadline = 5s, .what = "add and total"});
  CHECK(got == std::vector<long>{0, 5, 3, 3});
}

TEST_CASE("every change runs on the counter's strand, one at a time") {
  watcher seen;
  work w(20, 50);
  lunch::run(count_together(seen, w),
             {.deadline = 5s,
              .threads = 4,
              .what = "20 tasks on 4 threads adding to the counter"});
  CHECK(seen.changes == 20 * 50);
  CHECK_MESSAGE(seen.off_strand == 0,
                seen.off_strand << " of " << seen.changes << " changes ran "
                "outside the counter's strand, where nothing stops two "
                "threads changing the total at once. (A coroutine always "
                "resumes on its own executor: `co_await post(strand)` does "
                "not move it onto the strand; co_spawn on the strand does.)");
  CHECK_MESSAGE(seen.overlapped == 0,
                seen.overlapped << " changes ran while another one was "
                "still running");
}

TEST_CASE("4 threads x 100 tasks each x 100 increments add up to 40000") {
  watcher seen;
  work w(4 * 100, 100);
  lunch::run(count_together(seen, w),
             {.deadline = 5s,
              .threads = 4,
              .what = "400 tasks on 4 threads adding 100 times each"});
  CHECK_MESSAGE(w.total == 40000,
                "the total is " << w.total << ", not 40000: updates from "
                "different threads were lost");
  int repeated = 0;
  int missing = 0;
  for (auto& s : w.seen) {
    if (s == 0) ++missing;
    if (s > 1) ++repeated;
  }
  CHECK_MESSAGE(repeated + missing == 0,
                "add() should return each total from 1 to 40000 exactly once; "
                << repeated << " were returned more than once and " << missing
                << " never: two additions saw the same old total");
}

}  // TEST_SUITE
