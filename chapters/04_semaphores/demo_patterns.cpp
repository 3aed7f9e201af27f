// Demo 04/patterns: where to take the permit, and what each choice costs.
//
// N jobs (each naps --work ms, standing in for a request), at most K at once:
//   before spawning  the loop takes a permit, then spawns the job with it.
//                    At most K jobs exist; the loop itself waits, so
//                    whatever feeds it is slowed down too (back-pressure).
//   inside the task  the loop spawns all N at once; each job takes a permit
//                    first. The loop is done at once, but N coroutine frames
//                    sit in memory, N-K of them queued in the semaphore.
// Both take about N / K rounds of work. The demo prints how long the
// spawning loop ran, how many jobs existed at the peak, and the heap in use.
// With --timeline: the same K rows of jobs both times, under a loop that
// runs to the end in the first case and is over at once in the second.
#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// A channel with room for K tokens is a semaphore (see demo_limited.cpp and
// the async_semaphore exercise); the RAII permit gives its token back.
using permits = net::experimental::concurrent_channel<void(error_code)>;

class [[nodiscard]] permit {
 public:
  explicit permit(permits& p) : p_(&p) {}
  permit(permit&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  permit& operator=(permit&&) = delete;
  ~permit() {
    if (p_) p_->try_receive([](error_code) {});
  }

 private:
  permits* p_;
};

net::awaitable<permit> acquire(permits& p) {
  co_await p.async_send(error_code{}, net::use_awaitable);
  co_return permit(p);
}

// Heap in use by the process, in bytes (glibc's own count).
std::size_t heap_in_use() { return mallinfo2().uordblks; }

// How many jobs exist (their coroutine frames are alive), and the most at
// once; the heap is sampled at that moment. One thread: plain ints.
struct census {
  int alive = 0;
  int peak = 0;
  std::size_t heap_at_peak = 0;
  void enter() {
    if (++alive > peak) {
      peak = alive;
      heap_at_peak = heap_in_use();
    }
  }
  void leave() { --alive; }
};

struct counted {
  census& c;
  explicit counted(census& c) : c(c) { c.enter(); }
  ~counted() { c.leave(); }
};

// Which permit a running job holds, for drawing only: the lowest free row.
struct rows {
  std::vector<bool> busy;
  int take() {
    std::size_t i = 0;
    while (i < busy.size() && busy[i]) ++i;
    if (i == busy.size()) busy.push_back(false);
    busy[i] = true;
    return static_cast<int>(i);
  }
  void give_back(int i) { busy[static_cast<std::size_t>(i)] = false; }
};

struct result {
  census c;
  rows r;
  double loop_ms = 0;   // how long the spawning loop ran
  double total_ms = 0;
};

// The work itself, drawn in the row of the permit it holds.
net::awaitable<void> work_on(std::chrono::milliseconds work, const char* pattern,
                             result& res, lunch::timeline& tl) {
  const int row = res.r.take();
  {
    auto span = tl.span("job", std::string(pattern) + ": permit " + std::to_string(row + 1));
    co_await lunch::nap(work);
  }
  res.r.give_back(row);
}

// One job with its permit already in hand (acquired before spawning). The
// permit is kept for its destructor, like `let _permit = ...` in Rust.
net::awaitable<void> job_with([[maybe_unused]] permit held, std::chrono::milliseconds work,
                              result& res, lunch::timeline& tl) {
  counted here(res.c);
  co_await work_on(work, "before", res, tl);
}

// One job that takes its permit itself (acquired inside the task).
net::awaitable<void> job_acquiring(permits& sem, std::chrono::milliseconds work,
                                   result& res, lunch::timeline& tl) {
  counted here(res.c);
  auto held = co_await acquire(sem);
  co_await work_on(work, "inside", res, tl);
}

net::awaitable<void> before_spawning(int n, int k, std::chrono::milliseconds work,
                                     result& r, lunch::timeline& tl) {
  auto ex = co_await net::this_coro::executor;
  permits sem(ex, static_cast<std::size_t>(k));
  lunch::task_group group(ex);
  lunch::stopwatch sw;
  {
    auto span = tl.span("spawning loop", "before: the loop", "permits");
    for (int i = 0; i < n; ++i) {
      permit held = co_await acquire(sem);  // waits while k jobs run
      group.spawn(job_with(std::move(held), work, r, tl));
    }
  }
  r.loop_ms = sw.ms();
  co_await group.wait();
  r.total_ms = sw.ms();
}

net::awaitable<void> inside_the_task(int n, int k, std::chrono::milliseconds work,
                                     result& r, lunch::timeline& tl) {
  auto ex = co_await net::this_coro::executor;
  permits sem(ex, static_cast<std::size_t>(k));
  lunch::task_group group(ex);
  lunch::stopwatch sw;
  {
    auto span = tl.span("spawning loop", "inside: the loop");
    for (int i = 0; i < n; ++i) group.spawn(job_acquiring(sem, work, r, tl));
  }
  r.loop_ms = sw.ms();
  co_await group.wait();
  r.total_ms = sw.ms();
}

void report(const char* name, const result& r, std::size_t heap_before) {
  const std::size_t heap = r.c.heap_at_peak > heap_before ? r.c.heap_at_peak - heap_before : 0;
  std::printf("  %-17s loop done after %6.0f ms   all done after %6.0f ms   "
              "jobs alive at peak %6d   heap at peak +%7.1f KiB\n",
              name, r.loop_ms, r.total_ms, r.c.peak, static_cast<double>(heap) / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("patterns",
                      "acquire before spawning vs inside the task: when the loop ends, "
                      "how many jobs exist.");
  int jobs = 1000;
  int permits_n = 10;
  auto work = 20ms;
  cli.option("--jobs", jobs, "how many jobs", 1, 100000)
      .option("--permits", permits_n, "how many may run at once", 1, 10000)
      .option("--work", work, "how long each job takes", 0, 10000);
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) {
    jobs = 40;
    permits_n = 4;
    work = 5ms;
  }

  const int rounds = (jobs + permits_n - 1) / permits_n;
  std::printf("%d jobs of %lld ms, %d at a time: about %d rounds, %lld ms either way.\n\n",
              jobs, static_cast<long long>(work.count()), permits_n, rounds,
              static_cast<long long>(rounds * work.count()));
  lunch::timeline tl;
  const auto deadline = std::chrono::milliseconds(rounds * work.count() * 3) + 30s;

  result before;
  std::size_t heap_before = heap_in_use();
  lunch::run(before_spawning(jobs, permits_n, work, before, tl),
             {.deadline = deadline, .what = "acquiring before spawning"});
  report("before spawning", before, heap_before);

  result inside;
  heap_before = heap_in_use();
  lunch::run(inside_the_task(jobs, permits_n, work, inside, tl),
             {.deadline = deadline, .what = "acquiring inside the task"});
  report("inside the task", inside, heap_before);

  std::printf("\nBefore spawning, the loop is held back and memory stays at %d jobs; inside "
              "the task, the loop is free at once and all %d jobs wait in memory.\n",
              permits_n, jobs);
  lunch::show(cli, tl);
}
