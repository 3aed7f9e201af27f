// The half of test_pool_map.cpp that does not depend on the exercise: the
// jobs, the pools and the measurements of each scenario. It is compiled once,
// with the course, so that `lunch check pool_map` compiles only the test
// cases and the learner's file. pool_map comes in as a plain function.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace pool_map_harness {

namespace net = boost::asio;

// The code under test, pool_map<T>(pool, jobs), for one result type T.
template <class T>
using map_fn = std::function<std::vector<T>(net::thread_pool&, std::vector<std::function<T()>>)>;

// What a job of the first scenario saw: whether it met the others at the
// rendezvous, whether it ran on the pool, and on which thread.
struct seen {
  bool met = false;
  bool on_pool = false;
  std::thread::id thread;
};

struct census {
  std::size_t results = 0;  // how many results pool_map returned
  long off_pool = 0;        // jobs that ran outside the pool's threads
  long gave_up = 0;         // jobs that waited 2 s at the rendezvous of 3
  std::size_t threads = 0;  // distinct threads the jobs ran on
  int peak = 0;             // the most jobs running at once
};
// 12 jobs of 5 ms on a pool of 3; the first 3 to run must meet (2 s limit).
// Within 8 s.
census twelve_jobs_on_three(const map_fn<seen>& pool_map);

// 6 jobs on a pool of 2, job i sleeps (6 - i) x 8 ms and returns i x 10:
// they finish out of order. The results. Within 5 s.
std::vector<int> six_naps_out_of_order(const map_fn<int>& pool_map);

struct failure {
  std::string thrown;         // lunch::describe() of what pool_map threw
  bool sibling_done = false;  // whether job 1 had finished by then
};
// Job 0 throws std::out_of_range("job 0 failed") at once, job 1 sleeps
// 150 ms. Within 5 s.
failure a_failing_job(const map_fn<int>& pool_map);

// Job 1 throws std::length_error at once; job 0 waits for that, 30 ms more,
// then throws std::out_of_range. What pool_map threw. Within 5 s.
std::string two_failing_jobs(const map_fn<int>& pool_map);

// The test case's own check of pool_map, given a pool and some jobs.
using first_use_fn = std::function<void(net::thread_pool&, std::vector<std::function<int()>>)>;
// `first_use` with a pool of 2 and 4 jobs (job i returns i), then whether
// work posted to the same pool runs within 2 s. Within 8 s.
bool pool_runs_work_after(const first_use_fn& first_use);

// 6 jobs that each block their thread for 30 ms on a pool of 2: how long
// pool_map took, in ms. Within 5 s.
double six_sleeps_on_two_threads(const map_fn<int>& pool_map);

// 2 jobs that sleep 400 ms on a pool of 2: the process's CPU time, in ms,
// while pool_map waited for them. Within 5 s.
double cpu_while_waiting(const map_fn<int>& pool_map);

// 10000 jobs on a pool of 4, job i returns i x 3. The results. Within 20 s.
std::vector<int> ten_thousand_jobs(const map_fn<int>& pool_map);

// `use` (the test case's own check) with a pool of 1. Within 5 s.
void on_a_pool_of_one(const std::function<void(net::thread_pool&)>& use);

}  // namespace pool_map_harness
