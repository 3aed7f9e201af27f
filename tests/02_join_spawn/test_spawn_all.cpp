// Tests for exercises/02_join_spawn/spawn_all.hpp
//
// Parallelism is proved with a rendezvous, not a stopwatch: each task blocks
// its thread until all the others have arrived too. That can only happen if
// they all run at the same time on different threads; run one after another
// (or all on one thread), the first waits alone and gives up after a while.
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/todo.hpp"
#include "spawn_all.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

using lunch::nap;

namespace {

// 1 if everyone arrived in time. Blocks a thread on purpose: only a test
// may do that. Counts itself in `off_pool` if it is not on `pool`.
net::awaitable<int> meet(lunch::rendezvous& rv, ms limit, net::thread_pool& pool,
                         std::atomic<int>& off_pool) {
  if (!pool.get_executor().running_in_this_thread()) ++off_pool;
  co_return rv.arrive_and_wait(limit) ? 1 : 0;
}

net::awaitable<int> value_after(ms d, int v) {
  co_await nap(d);
  co_return v;
}

// What spawn_all returned, and the caller's thread before and after it.
// Every test runs spawn_all through this one coroutine: each distinct
// coroutine costs compile time, and a learner recompiles on every save.
struct outcome {
  std::vector<int> values;
  std::thread::id before, after;
};

net::awaitable<void> spawn_into(outcome& out, net::any_io_executor pool,
                                std::vector<net::awaitable<int>> tasks) {
  out.before = std::this_thread::get_id();
  out.values = co_await spawn_all(pool, std::move(tasks));
  out.after = std::this_thread::get_id();
}

// Arrives at the rendezvous without blocking: it runs on the caller's thread.
net::awaitable<void> caller_side(lunch::rendezvous& rv) {
  rv.arrive_and_wait(0ms);
  co_return;
}

// A task on the pool waits for a coroutine on the caller's thread, which can
// only run if spawn_all leaves that thread free.
net::awaitable<void> spawn_beside_caller(outcome& out, net::thread_pool& pool,
                                         lunch::rendezvous& rv,
                                         std::atomic<int>& off_pool) {
  std::vector<net::awaitable<int>> tasks;
  tasks.push_back(meet(rv, 1500ms, pool, off_pool));
  lunch::task_group group(co_await net::this_coro::executor);
  group.spawn(spawn_into(out, pool.get_executor(), std::move(tasks)));
  group.spawn(caller_side(rv));
  co_await group.wait();
}

// What spawn_all threw, in words, and how many tasks were still running.
net::awaitable<void> after_a_failure(std::string& got, net::any_io_executor pool,
                                     std::atomic<int>& running) {
  std::vector<net::awaitable<int>> tasks;
  tasks.push_back(lunch::fail_after(10ms, "task 0 broke on the pool"));
  tasks.push_back(lunch::counted_nap(running, 150ms));
  got = co_await lunch::what_is_thrown_by(spawn_all(pool, std::move(tasks)));
  if (got != "nothing" && got != "net::multiple_exceptions")
    got += ", " + std::to_string(running.load()) + " task(s) still running";
}

}  // namespace

TEST_SUITE("spawn_all") {

TEST_CASE("three tasks run at the same time on three threads of the given pool") {
  net::thread_pool pool(3);
  lunch::rendezvous rv(3);
  std::atomic<int> off_pool = 0;
  std::vector<net::awaitable<int>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(meet(rv, 1500ms, pool, off_pool));
  outcome out;
  lunch::run(spawn_into(out, pool.get_executor(), std::move(tasks)),
             {.deadline = 8s, .what = "spawn_all of 3 meetings"});
  const auto& met = out.values;
  REQUIRE(met.size() == 3);
  const int gave_up = 3 - (met[0] + met[1] + met[2]);
  CHECK_MESSAGE(gave_up == 0,
                gave_up << " of the 3 tasks waited 1.5 s for the others and "
                "gave up: the tasks did not all run at the same time (one "
                "after another? all on the caller's single thread?)");
  CHECK_MESSAGE(off_pool.load() == 0,
                off_pool.load() << " of the 3 tasks ran outside the pool "
                "spawn_all was given (on threads of its own?): work sent to "
                "a pool must run on that pool's threads");
}

TEST_CASE("results come back in input order, and waiting burns no CPU") {
  net::thread_pool pool(2);
  std::vector<net::awaitable<int>> tasks;
  // Task 0 naps longest: the tasks finish in reverse order.
  for (int i = 0; i < 4; ++i) tasks.push_back(value_after((4 - i) * 30ms, i * 10));
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  outcome out;
  lunch::run(spawn_into(out, pool.get_executor(), std::move(tasks)),
             {.deadline = 5s, .what = "spawn_all of 4 naps"});
  const auto& got = out.values;
  // The tasks only nap, so waiting for them costs next to no CPU; a loop of
  // co_await post(...) asking "all done yet?" burns a whole core.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while waiting "
                << sw.ms() << " ms for four naps: spawn_all polls instead of "
                "waiting to be woken");
  const std::vector<int> want{0, 10, 20, 30};
  std::string seen;
  for (int v : got) seen += std::to_string(v) + " ";
  CHECK_MESSAGE(got == want,
                "results: " << seen << "; result i must be tasks[i]'s value "
                "(0 10 20 30), whatever order the tasks finished in");
}

TEST_CASE("the caller resumes on its own thread") {
  net::thread_pool pool(2);
  std::vector<net::awaitable<int>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(value_after(20ms, i));
  outcome t;
  lunch::run(spawn_into(t, pool.get_executor(), std::move(tasks)),
             {.deadline = 5s, .what = "spawn_all of 3 naps"});
  CHECK(t.before == std::this_thread::get_id());
  CHECK_MESSAGE(t.after == t.before,
                "after co_await spawn_all(...) the caller was on another "
                "thread (a pool thread?): it must resume on its own executor");
}

TEST_CASE("the caller's thread stays free while the tasks run") {
  net::thread_pool pool(2);
  lunch::rendezvous rv(2);
  std::atomic<int> off_pool = 0;
  outcome out;
  lunch::run(spawn_beside_caller(out, pool, rv, off_pool),
             {.deadline = 5s, .what = "spawn_all beside a coroutine on the caller's thread"});
  const auto& got = out.values;
  REQUIRE(got.size() == 1);
  CHECK_MESSAGE(got[0] == 1,
                "a coroutine on the caller's thread could not run while "
                "spawn_all waited: spawn_all blocked the thread (a "
                "std::future::get()?) instead of suspending");
}

TEST_CASE("an exception in a task reaches the awaiter, once every task has ended") {
  net::thread_pool pool(2);
  std::atomic<int> running = 0;
  std::string got;
  try {
    lunch::run(after_a_failure(got, pool.get_executor(), running),
               {.deadline = 3s, .what = "spawn_all with a failing task"});
  } catch (const lunch::deadline_exceeded&) {
    got = "a hang";
  }
  if (got == "a hang")
    FAIL_CHECK("spawn_all never finished after task 0 threw: the exception "
               "was lost on the pool (net::detached throws it away)");
  else if (got == "nothing")
    FAIL_CHECK("spawn_all returned normally although task 0 threw: the "
               "exception was lost");
  else if (got == "net::multiple_exceptions")
    FAIL_CHECK("spawn_all threw net::multiple_exceptions: rethrow the task's "
               "own exception instead");
  else
    CHECK_MESSAGE(got == "std::out_of_range: task 0 broke on the pool, 0 task(s) still running",
                  "got: " << got << " (expected task 0's std::out_of_range, "
                  "thrown once task 1 had ended too: it may use the caller's "
                  "data)");
}

TEST_CASE("an empty vector gives an empty result at once") {
  net::thread_pool pool(1);
  outcome out;
  out.values = {-1};
  lunch::run(spawn_into(out, pool.get_executor(), {}),
             {.deadline = 5s, .what = "spawn_all of nothing"});
  CHECK(out.values.empty());
}

}  // TEST_SUITE
