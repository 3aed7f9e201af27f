// The half of test_thread_per_task.cpp that does not depend on the exercise:
// the jobs and what they saw. It is compiled once, with the course, so that
// `lunch check thread_per_task` compiles only the test cases and the
// learner's file. thread_per_task comes in as a plain function.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace thread_per_task_harness {

// The code under test, thread_per_task<T>(jobs), for one result type T.
template <class T>
using run_fn = std::function<std::vector<T>(std::vector<std::function<T()>>)>;

// What a job of the first scenario saw: whether it met the others at the
// rendezvous, and on which thread it ran.
struct seen {
  bool met = false;
  std::thread::id thread;
};

struct census {
  std::size_t results = 0;  // how many results thread_per_task returned
  long met = 0;             // jobs that met all the others (2 s in all)
  std::size_t threads = 0;  // distinct threads the jobs ran on
  bool on_caller = false;   // a job ran on the caller's thread
};
// 8 jobs that each wait until all 8 have arrived. Within 8 s.
census eight_jobs_meet(const run_fn<seen>& thread_per_task);

// 5 jobs, job i sleeps (5 - i) x 15 ms and returns "job i": they finish
// out of order. The results. Within 5 s.
std::vector<std::string> five_naps_out_of_order(const run_fn<std::string>& thread_per_task);

struct failure {
  std::string thrown;         // lunch::describe() of what thread_per_task threw
  bool sibling_done = false;  // whether job 1 had finished by then
};
// Job 0 throws std::out_of_range("job 0 failed") at once, job 1 sleeps
// 150 ms; then waits (500 ms at most) for job 1, so that a wrong version's
// stray thread does not outlive the scenario. Within 5 s.
failure a_failing_job(const run_fn<int>& thread_per_task);

// Job 1 throws std::length_error at once; job 0 waits for that, 30 ms more,
// then throws std::out_of_range; job 2 returns 2. What thread_per_task
// threw. Within 5 s.
std::string two_failing_jobs(const run_fn<int>& thread_per_task);

struct crowd {
  std::string thrown;        // what thread_per_task threw
  int ran_when_thrown = 0;   // jobs that had run by then
};
// 64 jobs that nap i % 7 ms; the odd ones throw "job i failed". Within 10 s.
crowd sixty_four_jobs(const run_fn<int>& thread_per_task);

// `check` (the test case's own call of thread_per_task). Within 5 s.
void of_nothing(const std::function<void()>& check);

}  // namespace thread_per_task_harness
