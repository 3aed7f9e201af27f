// Tests for exercises/00_intro/pool_map.hpp
//
// The pool's limit is checked both ways: never more jobs at once than it
// has threads (a counter of running jobs and its peak), and all of its
// threads used (the first K jobs to run must meet at a rendezvous of K,
// which one thread at a time never reaches). Every call runs inside
// lunch::within(), so a pool_map that never returns is reported after a
// few seconds instead of hanging. The jobs, pools and measurements are in
// test_pool_map_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <string>
#include <vector>

#include "pool_map.hpp"
#include "test_pool_map_harness.hpp"

using namespace pool_map_harness;

TEST_SUITE("pool_map") {

TEST_CASE("12 jobs on a pool of 3: all on the pool, 3 at once, never more") {
  const census got = twelve_jobs_on_three(pool_map<seen>);
  REQUIRE(got.results == 12);
  const auto off_pool = got.off_pool;
  const auto gave_up = got.gave_up;
  const int peak = got.peak;
  CHECK_MESSAGE(off_pool == 0, off_pool << " of the 12 jobs ran outside "
                "the pool's threads: post them to `pool`, do not start "
                "threads (or a pool) of your own");
  CHECK_MESSAGE(got.threads <= 3, "the jobs ran on " << got.threads
                << " different threads; the pool has 3");
  CHECK_MESSAGE(peak <= 3, peak << " jobs ran at the same time; the pool "
                "has only 3 threads");
  CHECK_MESSAGE(gave_up == 0, "the first 3 jobs to run waited 2 s for each "
                "other and " << gave_up << " gave up (at most " << peak
                << " ran at once): with 12 jobs queued, all 3 pool threads "
                "must be busy, not one job at a time");
}

TEST_CASE("result i is what job i returned, whatever order they finished in") {
  const auto got = six_naps_out_of_order(pool_map<int>);
  std::string listed;
  for (int v : got) listed += std::to_string(v) + " ";
  const std::vector<int> want{0, 10, 20, 30, 40, 50};
  CHECK_MESSAGE(got == want,
                "results: " << listed << "; result i must be what jobs[i] "
                "returned (0 10 20 30 40 50), not in the order they finished");
}

TEST_CASE("a failing job's exception comes back once every other job has ended") {
  const failure r = a_failing_job(pool_map<int>);
  const std::string& got = r.thrown;
  if (got == "nothing")
    FAIL_CHECK("pool_map returned normally although job 0 threw: the "
               "exception was lost");
  else
    CHECK_MESSAGE(got == "std::out_of_range: job 0 failed",
                  "pool_map threw " << got << "; expected job 0's own "
                  "exception, std::out_of_range: job 0 failed");
  CHECK_MESSAGE(r.sibling_done, "the exception reached the caller before job "
                "1 had finished (it was still running, or never ran): wait "
                "for every job before rethrowing");
}

TEST_CASE("when several jobs throw, the lowest index wins, not the first to throw") {
  const std::string got = two_failing_jobs(pool_map<int>);
  CHECK_MESSAGE(got == "std::out_of_range: job 0 failed, second in time",
                "pool_map threw " << got << "; when several jobs throw it "
                "must rethrow the one with the lowest index (job 0), "
                "whichever threw first in time");
}

TEST_CASE("the pool is the caller's: it still runs work after pool_map") {
  // Work is then posted to the pool directly, so that a broken pool_map
  // cannot hide the answer.
  const bool ran = pool_runs_work_after([](net::thread_pool& pool,
                                           std::vector<std::function<int()>> jobs) {
    CHECK(pool_map(pool, std::move(jobs)).size() == 4);
  });
  CHECK_MESSAGE(ran, "after pool_map returned, work posted to the same "
                "pool did not run within 2 s: did pool_map join() or "
                "stop() the caller's pool? It is not yours to end");
}

TEST_CASE("6 blocking waits of 30 ms on 2 threads take 3 rounds, not one") {
  const double took = six_sleeps_on_two_threads(pool_map<int>);
  // ceil(6 / 2) x 30 ms = 90 ms; 75 ms leaves a wide margin.
  CHECK_MESSAGE(took >= 75, "6 jobs that each block a thread for 30 ms "
                "finished in " << took << " ms, but a pool of 2 threads "
                "runs only 2 at a time: 3 rounds, about 90 ms. More than 2 "
                "ran at once, so they did not all run on the pool");
}

TEST_CASE("the caller sleeps while it waits for the jobs: no busy loop") {
  const double cpu_ms = cpu_while_waiting(pool_map<int>);
  // Blocking on a future, a latch or a condition variable costs well
  // under a millisecond of CPU here. `while (done < n) {}` burns CPU for
  // as long as it waits: even on a machine so busy that it gets a tenth
  // of a core, that is 40 ms.
  CHECK_MESSAGE(cpu_ms < 25, "the process used " << cpu_ms << " ms "
                "of CPU while pool_map waited 400 ms for two sleeping "
                "jobs: the caller is busy-waiting instead of blocking");
}

TEST_CASE("stress: 10000 jobs on 4 threads, every result in its place") {
  const auto got = ten_thousand_jobs(pool_map<int>);
  REQUIRE(got.size() == 10000);
  int wrong = 0;
  for (int i = 0; i < 10000; ++i)
    if (got[static_cast<std::size_t>(i)] != i * 3) ++wrong;
  CHECK_MESSAGE(wrong == 0, wrong << " of the 10000 results are not in "
                "their place (result i must be jobs[i]'s value): results "
                "stored in the order jobs finished, or lost in a race");
}

TEST_CASE("no jobs: no results") {
  on_a_pool_of_one([](net::thread_pool& pool) {
    CHECK(pool_map(pool, std::vector<std::function<int()>>{}).empty());
  });
}

}  // TEST_SUITE
