// Tests for exercises/00_intro/pool_map.hpp
//
// The pool's limit is checked both ways: never more jobs at once than it
// has threads (a counter of running jobs and its peak), and all of its
// threads used (the first K jobs to run must meet at a rendezvous of K,
// which one thread at a time never reaches). Every call runs inside
// lunch::within(), so a pool_map that never returns is reported after a
// few seconds instead of hanging.
#include <doctest/doctest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lunch/measure.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "pool_map.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

// A rendezvous with one deadline for everybody (see test_thread_per_task).
// Arrivals after the first `expected` pass straight through.
struct meeting {
  lunch::rendezvous rv;
  clock_type::time_point by;
  meeting(int expected, ms limit) : rv(expected), by(clock_type::now() + limit) {}
  bool attend() {
    const auto left = std::chrono::duration_cast<ms>(by - clock_type::now());
    return rv.arrive_and_wait(std::max(left, ms(0)));
  }
};

// How many jobs are running now, and the most at once.
struct occupancy {
  std::atomic<int> now{0};
  std::atomic<int> peak{0};
  void enter() {
    const int n = ++now;
    int p = peak;
    while (n > p && !peak.compare_exchange_weak(p, n)) {
    }
  }
  void leave() { --now; }
};

struct seen {
  bool met = false;
  bool on_pool = false;
  std::thread::id thread;
};

template <class T>
std::string thrown_by(net::thread_pool& pool, std::vector<std::function<T()>> jobs) {
  std::exception_ptr e;
  lunch::pending p("pool_map(" + std::to_string(jobs.size()) +
                   " jobs, some failing) has not returned");
  try {
    pool_map(pool, std::move(jobs));
  } catch (...) {
    e = std::current_exception();
  }
  return lunch::describe(e);  // an unfinished exercise's TODO is rethrown
}

}  // namespace

TEST_SUITE("pool_map") {

TEST_CASE("12 jobs on a pool of 3: all on the pool, 3 at once, never more") {
  lunch::within(8s, "pool_map of 12 jobs on 3 threads", [] {
    net::thread_pool pool(3);
    auto ex = pool.get_executor();
    meeting m(3, 2s);
    occupancy running;
    std::vector<std::function<seen()>> jobs;
    for (int i = 0; i < 12; ++i)
      jobs.push_back([&] {
        running.enter();
        seen s{m.attend(), ex.running_in_this_thread(), std::this_thread::get_id()};
        std::this_thread::sleep_for(5ms);  // long enough to overlap a 4th job
        running.leave();
        return s;
      });
    lunch::pending p("pool_map(pool of 3, 12 jobs) has not returned");
    const auto got = pool_map(pool, std::move(jobs));
    REQUIRE(got.size() == 12);
    const auto off_pool = std::count_if(got.begin(), got.end(), [](const seen& s) { return !s.on_pool; });
    const auto gave_up = std::count_if(got.begin(), got.end(), [](const seen& s) { return !s.met; });
    std::set<std::thread::id> threads;
    for (const auto& s : got) threads.insert(s.thread);
    const int peak = running.peak;
    CHECK_MESSAGE(off_pool == 0, off_pool << " of the 12 jobs ran outside "
                  "the pool's threads: post them to `pool`, do not start "
                  "threads (or a pool) of your own");
    CHECK_MESSAGE(threads.size() <= 3, "the jobs ran on " << threads.size()
                  << " different threads; the pool has 3");
    CHECK_MESSAGE(peak <= 3, peak << " jobs ran at the same time; the pool "
                  "has only 3 threads");
    CHECK_MESSAGE(gave_up == 0, "the first 3 jobs to run waited 2 s for each "
                  "other and " << gave_up << " gave up (at most " << peak
                  << " ran at once): with 12 jobs queued, all 3 pool threads "
                  "must be busy, not one job at a time");
  });
}

TEST_CASE("result i is what job i returned, whatever order they finished in") {
  lunch::within(5s, "pool_map of 6 naps", [] {
    net::thread_pool pool(2);
    std::vector<std::function<int()>> jobs;
    // Earlier jobs sleep longer: they finish out of order.
    for (int i = 0; i < 6; ++i)
      jobs.push_back([i] {
        std::this_thread::sleep_for((6 - i) * 8ms);
        return i * 10;
      });
    lunch::pending p("pool_map(pool of 2, 6 naps) has not returned");
    const auto got = pool_map(pool, std::move(jobs));
    std::string listed;
    for (int v : got) listed += std::to_string(v) + " ";
    const std::vector<int> want{0, 10, 20, 30, 40, 50};
    CHECK_MESSAGE(got == want,
                  "results: " << listed << "; result i must be what jobs[i] "
                  "returned (0 10 20 30 40 50), not in the order they finished");
  });
}

TEST_CASE("a failing job's exception comes back once every other job has ended") {
  lunch::within(5s, "pool_map with a failing job", [] {
    net::thread_pool pool(2);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::function<int()>> jobs;
    jobs.push_back([]() -> int { throw std::out_of_range("job 0 failed"); });
    jobs.push_back([finished] {
      std::this_thread::sleep_for(150ms);
      *finished = true;
      return 1;
    });
    const std::string got = thrown_by(pool, std::move(jobs));
    const bool sibling_done = *finished;
    if (got == "nothing")
      FAIL_CHECK("pool_map returned normally although job 0 threw: the "
                 "exception was lost");
    else
      CHECK_MESSAGE(got == "std::out_of_range: job 0 failed",
                    "pool_map threw " << got << "; expected job 0's own "
                    "exception, std::out_of_range: job 0 failed");
    CHECK_MESSAGE(sibling_done, "the exception reached the caller before job "
                  "1 had finished (it was still running, or never ran): wait "
                  "for every job before rethrowing");
  });
}

TEST_CASE("when several jobs throw, the lowest index wins, not the first to throw") {
  lunch::within(5s, "pool_map with two failing jobs", [] {
    net::thread_pool pool(2);
    auto one_threw = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::function<int()>> jobs;
    jobs.push_back([one_threw]() -> int {
      for (int i = 0; i < 200 && !*one_threw; ++i) std::this_thread::sleep_for(5ms);
      std::this_thread::sleep_for(30ms);  // long after job 1's exception
      throw std::out_of_range("job 0 failed, second in time");
    });
    jobs.push_back([one_threw]() -> int {
      *one_threw = true;
      throw std::length_error("job 1 failed, first in time");
    });
    const std::string got = thrown_by(pool, std::move(jobs));
    CHECK_MESSAGE(got == "std::out_of_range: job 0 failed, second in time",
                  "pool_map threw " << got << "; when several jobs throw it "
                  "must rethrow the one with the lowest index (job 0), "
                  "whichever threw first in time");
  });
}

TEST_CASE("the pool is the caller's: it still runs work after pool_map") {
  lunch::within(8s, "pool_map, then more work on the same pool", [] {
    net::thread_pool pool(2);
    std::vector<std::function<int()>> jobs;
    for (int i = 0; i < 4; ++i) jobs.push_back([i] { return i; });
    lunch::pending p("the first pool_map(pool of 2, 4 jobs) has not returned");
    CHECK(pool_map(pool, std::move(jobs)).size() == 4);
    p.done();
    // Asked directly, so that a broken pool_map cannot hide the answer.
    auto probe = std::make_shared<std::promise<void>>();
    auto probed = probe->get_future();
    net::post(pool, [probe] { probe->set_value(); });
    const bool ran = probed.wait_for(2s) == std::future_status::ready;
    CHECK_MESSAGE(ran, "after pool_map returned, work posted to the same "
                  "pool did not run within 2 s: did pool_map join() or "
                  "stop() the caller's pool? It is not yours to end");
  });
}

TEST_CASE("6 blocking waits of 30 ms on 2 threads take 3 rounds, not one") {
  lunch::within(5s, "pool_map of 6 sleeps on 2 threads", [] {
    net::thread_pool pool(2);
    std::vector<std::function<int()>> jobs;
    for (int i = 0; i < 6; ++i)
      jobs.push_back([i] {
        std::this_thread::sleep_for(30ms);  // holds its thread, like blocking I/O
        return i;
      });
    lunch::pending p("pool_map(pool of 2, 6 sleeps) has not returned");
    lunch::stopwatch sw;
    pool_map(pool, std::move(jobs));
    const double took = sw.ms();
    // ceil(6 / 2) x 30 ms = 90 ms; 75 ms leaves a wide margin.
    CHECK_MESSAGE(took >= 75, "6 jobs that each block a thread for 30 ms "
                  "finished in " << took << " ms, but a pool of 2 threads "
                  "runs only 2 at a time: 3 rounds, about 90 ms. More than 2 "
                  "ran at once, so they did not all run on the pool");
  });
}

TEST_CASE("the caller sleeps while it waits for the jobs: no busy loop") {
  lunch::within(5s, "pool_map of 2 jobs of 400 ms", [] {
    net::thread_pool pool(2);
    std::vector<std::function<int()>> jobs;
    for (int i = 0; i < 2; ++i)
      jobs.push_back([i] {
        std::this_thread::sleep_for(400ms);
        return i;
      });
    lunch::pending p("pool_map(pool of 2, 2 sleeps) has not returned");
    lunch::cpu_meter cpu;
    pool_map(pool, std::move(jobs));
    // Blocking on a future, a latch or a condition variable costs well
    // under a millisecond of CPU here. `while (done < n) {}` burns CPU for
    // as long as it waits: even on a machine so busy that it gets a tenth
    // of a core, that is 40 ms.
    CHECK_MESSAGE(cpu.ms() < 25, "the process used " << cpu.ms() << " ms "
                  "of CPU while pool_map waited 400 ms for two sleeping "
                  "jobs: the caller is busy-waiting instead of blocking");
  });
}

TEST_CASE("stress: 10000 jobs on 4 threads, every result in its place") {
  lunch::within(20s, "pool_map of 10000 jobs on 4 threads", [] {
    net::thread_pool pool(4);
    std::vector<std::function<int()>> jobs;
    for (int i = 0; i < 10000; ++i) jobs.push_back([i] { return i * 3; });
    lunch::pending p("pool_map(pool of 4, 10000 jobs) has not returned");
    const auto got = pool_map(pool, std::move(jobs));
    REQUIRE(got.size() == 10000);
    int wrong = 0;
    for (int i = 0; i < 10000; ++i)
      if (got[static_cast<std::size_t>(i)] != i * 3) ++wrong;
    CHECK_MESSAGE(wrong == 0, wrong << " of the 10000 results are not in "
                  "their place (result i must be jobs[i]'s value): results "
                  "stored in the order jobs finished, or lost in a race");
  });
}

TEST_CASE("no jobs: no results") {
  lunch::within(5s, "pool_map of nothing", [] {
    net::thread_pool pool(1);
    CHECK(pool_map(pool, std::vector<std::function<int()>>{}).empty());
  });
}

}  // TEST_SUITE
