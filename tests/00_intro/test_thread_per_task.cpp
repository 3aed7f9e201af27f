// Tests for exercises/00_intro/thread_per_task.hpp
//
// "They run at the same time" is proved with a rendezvous, not a stopwatch:
// every job blocks its thread until all the others have arrived too, which
// only happens if all of them run at once. Every call runs inside
// lunch::within(), so a thread_per_task that never returns is reported
// after a few seconds instead of hanging. The jobs are in
// test_thread_per_task_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "test_thread_per_task_harness.hpp"
#include "thread_per_task.hpp"

using namespace thread_per_task_harness;

TEST_SUITE("thread_per_task") {

TEST_CASE("eight jobs run at the same time, each on a new thread of its own") {
  const census got = eight_jobs_meet(thread_per_task<seen>);
  REQUIRE(got.results == 8);
  const auto met = got.met;
  CHECK_MESSAGE(met == 8, (8 - met) << " of the 8 jobs gave up waiting "
                "for all the others (2 s in all): the jobs did not all run "
                "at the same time (one after another? fewer threads than "
                "jobs?)");
  CHECK_MESSAGE(got.threads == 8, "the 8 jobs ran on " << got.threads
                << " different thread(s); each needs a thread of its own");
  CHECK_MESSAGE(!got.on_caller, "a job ran on the caller's thread: each job "
                "needs a new thread, and the caller only waits");
}

TEST_CASE("result i is what job i returned, whatever order they finished in") {
  const auto got = five_naps_out_of_order(thread_per_task<std::string>);
  std::string listed;
  for (const auto& s : got) listed += "[" + s + "] ";
  const std::vector<std::string> want{"job 0", "job 1", "job 2", "job 3", "job 4"};
  CHECK_MESSAGE(got == want,
                "results: " << listed << "; result i must be what jobs[i] "
                "returned, in input order, not in the order they finished");
}

TEST_CASE("a failing job's exception comes back once every other thread has ended") {
  const failure r = a_failing_job(thread_per_task<int>);
  const std::string& got = r.thrown;
  if (got == "nothing")
    FAIL_CHECK("thread_per_task returned normally although job 0 threw: "
               "the exception was lost");
  else
    CHECK_MESSAGE(got == "std::out_of_range: job 0 failed",
                  "thread_per_task threw " << got << "; expected job 0's "
                  "own exception, std::out_of_range: job 0 failed");
  CHECK_MESSAGE(r.sibling_done, "the exception reached the caller before job "
                "1 had finished (it was still running, or never ran): wait "
                "for every thread before rethrowing (a detached thread may "
                "outlive the data it uses)");
}

TEST_CASE("when several jobs throw, the lowest index wins, not the first to throw") {
  const std::string got = two_failing_jobs(thread_per_task<int>);
  CHECK_MESSAGE(got == "std::out_of_range: job 0 failed, second in time",
                "thread_per_task threw " << got << "; when several jobs "
                "throw it must rethrow the one with the lowest index (job "
                "0), whichever threw first in time");
}

TEST_CASE("64 jobs, half of them failing: every job runs, the lowest failure comes back") {
  const crowd r = sixty_four_jobs(thread_per_task<int>);
  const std::string& got = r.thrown;
  const int ran_when_thrown = r.ran_when_thrown;
  CHECK_MESSAGE(got == "std::out_of_range: job 1 failed",
                "thread_per_task threw " << got << "; expected the lowest "
                "failing index, job 1");
  CHECK_MESSAGE(ran_when_thrown == 64, "only " << ran_when_thrown << " of the "
                "64 jobs had run when the exception arrived");
}

TEST_CASE("no jobs: no threads and no results") {
  of_nothing([] { CHECK(thread_per_task(std::vector<std::function<int()>>{}).empty()); });
}

}  // TEST_SUITE
