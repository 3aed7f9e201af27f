// Tests for exercises/00_intro/thread_per_task.hpp
//
// "They run at the same time" is proved with a rendezvous, not a stopwatch:
// every job blocks its thread until all the others have arrived too, which
// only happens if all of them run at once. Every call runs inside
// lunch::within(), so a thread_per_task that never returns is reported
// after a few seconds instead of hanging.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "thread_per_task.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

// A rendezvous with one deadline for everybody: a job that arrives late
// gets only what is left of the time. Jobs run one after another then fail
// within `limit` in total, instead of each waiting `limit` alone.
struct meeting {
  lunch::rendezvous rv;
  clock_type::time_point by;
  meeting(int expected, ms limit) : rv(expected), by(clock_type::now() + limit) {}
  bool attend() {
    const auto left = std::chrono::duration_cast<ms>(by - clock_type::now());
    return rv.arrive_and_wait(std::max(left, ms(0)));
  }
};

struct seen {
  bool met = false;
  std::thread::id thread;
};

// What thread_per_task threw, in words ("nothing" if it returned).
template <class T>
std::string thrown_by(std::vector<std::function<T()>> jobs) {
  std::exception_ptr e;
  lunch::pending p("thread_per_task(" + std::to_string(jobs.size()) +
                   " jobs, some failing) has not returned");
  try {
    thread_per_task(std::move(jobs));
  } catch (...) {
    e = std::current_exception();
  }
  return lunch::describe(e);  // an unfinished exercise's TODO is rethrown
}

}  // namespace

TEST_SUITE("thread_per_task") {

TEST_CASE("eight jobs run at the same time, each on a new thread of its own") {
  lunch::within(8s, "thread_per_task of 8 jobs that meet", [] {
    meeting m(8, 2s);
    std::vector<std::function<seen()>> jobs;
    for (int i = 0; i < 8; ++i)
      jobs.push_back([&m] { return seen{m.attend(), std::this_thread::get_id()}; });
    lunch::pending p("thread_per_task(8 jobs that meet) has not returned");
    const auto got = thread_per_task(std::move(jobs));
    REQUIRE(got.size() == 8);
    const auto met = std::count_if(got.begin(), got.end(), [](const seen& s) { return s.met; });
    std::set<std::thread::id> threads;
    for (const auto& s : got) threads.insert(s.thread);
    const bool on_caller = threads.count(std::this_thread::get_id()) > 0;
    CHECK_MESSAGE(met == 8, (8 - met) << " of the 8 jobs gave up waiting "
                  "for all the others (2 s in all): the jobs did not all run "
                  "at the same time (one after another? fewer threads than "
                  "jobs?)");
    CHECK_MESSAGE(threads.size() == 8, "the 8 jobs ran on " << threads.size()
                  << " different thread(s); each needs a thread of its own");
    CHECK_MESSAGE(!on_caller, "a job ran on the caller's thread: each job "
                  "needs a new thread, and the caller only waits");
  });
}

TEST_CASE("result i is what job i returned, whatever order they finished in") {
  lunch::within(5s, "thread_per_task of 5 naps", [] {
    std::vector<std::function<std::string()>> jobs;
    // Job 0 sleeps longest: the jobs finish in reverse order.
    for (int i = 0; i < 5; ++i)
      jobs.push_back([i] {
        std::this_thread::sleep_for((5 - i) * 15ms);
        return "job " + std::to_string(i);
      });
    lunch::pending p("thread_per_task(5 naps) has not returned");
    const auto got = thread_per_task(std::move(jobs));
    std::string listed;
    for (const auto& s : got) listed += "[" + s + "] ";
    const std::vector<std::string> want{"job 0", "job 1", "job 2", "job 3", "job 4"};
    CHECK_MESSAGE(got == want,
                  "results: " << listed << "; result i must be what jobs[i] "
                  "returned, in input order, not in the order they finished");
  });
}

TEST_CASE("a failing job's exception comes back once every other thread has ended") {
  lunch::within(5s, "thread_per_task with a failing job", [] {
    // Shared ownership: if a wrong version leaves job 1 running after the
    // test has moved on, the flag is still alive for it.
    auto finished = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::function<int()>> jobs;
    jobs.push_back([]() -> int { throw std::out_of_range("job 0 failed"); });
    jobs.push_back([finished] {
      std::this_thread::sleep_for(150ms);
      *finished = true;
      return 1;
    });
    const std::string got = thrown_by(std::move(jobs));
    const bool sibling_done = *finished;
    if (got == "nothing")
      FAIL_CHECK("thread_per_task returned normally although job 0 threw: "
                 "the exception was lost");
    else
      CHECK_MESSAGE(got == "std::out_of_range: job 0 failed",
                    "thread_per_task threw " << got << "; expected job 0's "
                    "own exception, std::out_of_range: job 0 failed");
    CHECK_MESSAGE(sibling_done, "the exception reached the caller before job "
                  "1 had finished (it was still running, or never ran): wait "
                  "for every thread before rethrowing (a detached thread may "
                  "outlive the data it uses)");
    // Do not leave a wrong version's stray thread behind for the next test.
    for (int i = 0; i < 100 && !*finished; ++i) std::this_thread::sleep_for(5ms);
  });
}

TEST_CASE("when several jobs throw, the lowest index wins, not the first to throw") {
  lunch::within(5s, "thread_per_task with two failing jobs", [] {
    auto one_threw = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::function<int()>> jobs;
    // Job 1 throws at once; job 0 throws only after it, or after 1 s if job
    // 1 never runs alongside it.
    jobs.push_back([one_threw]() -> int {
      for (int i = 0; i < 200 && !*one_threw; ++i) std::this_thread::sleep_for(5ms);
      std::this_thread::sleep_for(30ms);  // long after job 1's exception
      throw std::out_of_range("job 0 failed, second in time");
    });
    jobs.push_back([one_threw]() -> int {
      *one_threw = true;
      throw std::length_error("job 1 failed, first in time");
    });
    jobs.push_back([] { return 2; });
    const std::string got = thrown_by(std::move(jobs));
    CHECK_MESSAGE(got == "std::out_of_range: job 0 failed, second in time",
                  "thread_per_task threw " << got << "; when several jobs "
                  "throw it must rethrow the one with the lowest index (job "
                  "0), whichever threw first in time");
  });
}

TEST_CASE("64 jobs, half of them failing: every job runs, the lowest failure comes back") {
  lunch::within(10s, "thread_per_task of 64 jobs", [] {
    auto ran = std::make_shared<std::atomic<int>>(0);
    std::vector<std::function<int()>> jobs;
    for (int i = 0; i < 64; ++i)
      jobs.push_back([ran, i]() -> int {
        std::this_thread::sleep_for(ms(i % 7));
        ++*ran;
        if (i % 2 == 1) throw std::out_of_range("job " + std::to_string(i) + " failed");
        return i;
      });
    const std::string got = thrown_by(std::move(jobs));
    const int ran_when_thrown = *ran;
    CHECK_MESSAGE(got == "std::out_of_range: job 1 failed",
                  "thread_per_task threw " << got << "; expected the lowest "
                  "failing index, job 1");
    CHECK_MESSAGE(ran_when_thrown == 64, "only " << ran_when_thrown << " of the "
                  "64 jobs had run when the exception arrived");
  });
}

TEST_CASE("no jobs: no threads and no results") {
  lunch::within(5s, "thread_per_task of nothing", [] {
    CHECK(thread_per_task(std::vector<std::function<int()>>{}).empty());
  });
}

}  // TEST_SUITE
