// See test_thread_per_task_harness.hpp. "They run at the same time" is
// proved with a rendezvous, not a stopwatch. Each scenario runs inside
// lunch::within(), so a thread_per_task that never returns is reported after
// a few seconds instead of hanging.
#include "test_thread_per_task_harness.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <set>
#include <stdexcept>

#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace thread_per_task_harness {
namespace {

// What thread_per_task threw, in words ("nothing" if it returned).
std::string thrown_by(const run_fn<int>& thread_per_task, std::vector<std::function<int()>> jobs) {
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

census eight_jobs_meet(const run_fn<seen>& thread_per_task) {
  census r;
  lunch::within(8s, "thread_per_task of 8 jobs that meet", [&] {
    lunch::meeting m(8, 2s);
    std::vector<std::function<seen()>> jobs;
    for (int i = 0; i < 8; ++i)
      jobs.push_back([&m] { return seen{m.attend(), std::this_thread::get_id()}; });
    lunch::pending p("thread_per_task(8 jobs that meet) has not returned");
    const auto got = thread_per_task(std::move(jobs));
    r.results = got.size();
    r.met = std::count_if(got.begin(), got.end(), [](const seen& s) { return s.met; });
    std::set<std::thread::id> threads;
    for (const auto& s : got) threads.insert(s.thread);
    r.threads = threads.size();
    r.on_caller = threads.count(std::this_thread::get_id()) > 0;
  });
  return r;
}

std::vector<std::string> five_naps_out_of_order(const run_fn<std::string>& thread_per_task) {
  std::vector<std::string> got;
  lunch::within(5s, "thread_per_task of 5 naps", [&] {
    std::vector<std::function<std::string()>> jobs;
    // Job 0 sleeps longest: the jobs finish in reverse order.
    for (int i = 0; i < 5; ++i)
      jobs.push_back([i] {
        std::this_thread::sleep_for((5 - i) * 15ms);
        return "job " + std::to_string(i);
      });
    lunch::pending p("thread_per_task(5 naps) has not returned");
    got = thread_per_task(std::move(jobs));
  });
  return got;
}

failure a_failing_job(const run_fn<int>& thread_per_task) {
  failure r;
  lunch::within(5s, "thread_per_task with a failing job", [&] {
    // Shared ownership: if a wrong version leaves job 1 running after the
    // scenario has moved on, the flag is still alive for it.
    auto finished = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::function<int()>> jobs;
    jobs.push_back([]() -> int { throw std::out_of_range("job 0 failed"); });
    jobs.push_back([finished] {
      std::this_thread::sleep_for(150ms);
      *finished = true;
      return 1;
    });
    r.thrown = thrown_by(thread_per_task, std::move(jobs));
    r.sibling_done = *finished;
    // Do not leave a wrong version's stray thread behind for the next test.
    for (int i = 0; i < 100 && !*finished; ++i) std::this_thread::sleep_for(5ms);
  });
  return r;
}

std::string two_failing_jobs(const run_fn<int>& thread_per_task) {
  std::string got;
  lunch::within(5s, "thread_per_task with two failing jobs", [&] {
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
    got = thrown_by(thread_per_task, std::move(jobs));
  });
  return got;
}

crowd sixty_four_jobs(const run_fn<int>& thread_per_task) {
  crowd r;
  lunch::within(10s, "thread_per_task of 64 jobs", [&] {
    auto ran = std::make_shared<std::atomic<int>>(0);
    std::vector<std::function<int()>> jobs;
    for (int i = 0; i < 64; ++i)
      jobs.push_back([ran, i]() -> int {
        std::this_thread::sleep_for(ms(i % 7));
        ++*ran;
        if (i % 2 == 1) throw std::out_of_range("job " + std::to_string(i) + " failed");
        return i;
      });
    r.thrown = thrown_by(thread_per_task, std::move(jobs));
    r.ran_when_thrown = *ran;
  });
  return r;
}

void of_nothing(const std::function<void()>& check) {
  lunch::within(5s, "thread_per_task of nothing", check);
}

}  // namespace thread_per_task_harness
