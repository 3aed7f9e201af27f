// Tests for exercises/02_join_spawn/spawn_all.hpp
//
// Parallelism is proved with a rendezvous, not a stopwatch: each task blocks
// its thread until all the others have arrived too. That can only happen if
// they all run at the same time on different threads; run one after another
// (or all on one thread), the first waits alone and gives up after a while.
#include <doctest/doctest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

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
// may do that.
net::awaitable<int> meet(lunch::rendezvous& rv, ms limit) {
  co_return rv.arrive_and_wait(limit) ? 1 : 0;
}

net::awaitable<int> value_after(ms d, int v) {
  co_await nap(d);
  co_return v;
}

// Which thread the caller was on before and after spawn_all.
struct caller_threads {
  std::thread::id before, after;
};
net::awaitable<caller_threads> where_caller_resumes(net::any_io_executor pool) {
  caller_threads t;
  t.before = std::this_thread::get_id();
  std::vector<net::awaitable<int>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(value_after(20ms, i));
  co_await spawn_all(pool, std::move(tasks));
  t.after = std::this_thread::get_id();
  co_return t;
}

// Arrives at the rendezvous without blocking: it runs on the caller's thread.
net::awaitable<void> caller_side(lunch::rendezvous& rv) {
  rv.arrive_and_wait(0ms);
  co_return;
}

// A task on the pool waits for a coroutine on the caller's thread, which can
// only run if spawn_all leaves that thread free.
net::awaitable<std::vector<int>> spawn_beside_caller(net::any_io_executor pool,
                                                     lunch::rendezvous& rv) {
  using namespace net::experimental::awaitable_operators;
  std::vector<net::awaitable<int>> tasks;
  tasks.push_back(meet(rv, 1500ms));
  co_return co_await (spawn_all(pool, std::move(tasks)) && caller_side(rv));
}

// What spawn_all threw, in words, and how many tasks were still running.
net::awaitable<std::string> after_a_failure(net::any_io_executor pool,
                                            std::atomic<int>& running) {
  std::vector<net::awaitable<int>> tasks;
  tasks.push_back(lunch::fail_after(10ms, "task 0 broke on the pool"));
  tasks.push_back(lunch::counted_nap(running, 200ms));
  const std::string thrown =
      co_await lunch::what_is_thrown_by(spawn_all(pool, std::move(tasks)));
  if (thrown == "nothing" || thrown == "net::multiple_exceptions") co_return thrown;
  co_return thrown + ", " + std::to_string(running.load()) + " task(s) still running";
}

}  // namespace

TEST_SUITE("spawn_all") {

TEST_CASE("three tasks run at the same time on three pool threads") {
  net::thread_pool pool(3);
  lunch::rendezvous rv(3);
  std::vector<net::awaitable<int>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(meet(rv, 1500ms));
  auto met = lunch::run(spawn_all(pool.get_executor(), std::move(tasks)),
                        {.deadline = 8s, .what = "spawn_all of 3 meetings"});
  REQUIRE(met.size() == 3);
  const int gave_up = 3 - (met[0] + met[1] + met[2]);
  CHECK_MESSAGE(gave_up == 0,
                gave_up << " of the 3 tasks waited 1.5 s for the others and "
                "gave up: the tasks did not all run at the same time (one "
                "after another? all on the caller's single thread?)");
}

TEST_CASE("results come back in input order") {
  net::thread_pool pool(2);
  std::vector<net::awaitable<int>> tasks;
  // Task 0 naps longest: the tasks finish in reverse order.
  for (int i = 0; i < 4; ++i) tasks.push_back(value_after((4 - i) * 30ms, i * 10));
  auto got = lunch::run(spawn_all(pool.get_executor(), std::move(tasks)),
                        {.deadline = 5s, .what = "spawn_all of 4 naps"});
  const std::vector<int> want{0, 10, 20, 30};
  std::string seen;
  for (int v : got) seen += std::to_string(v) + " ";
  CHECK_MESSAGE(got == want,
                "results: " << seen << "; result i must be tasks[i]'s value "
                "(0 10 20 30), whatever order the tasks finished in");
}

TEST_CASE("the caller resumes on its own thread") {
  net::thread_pool pool(2);
  auto t = lunch::run(where_caller_resumes(pool.get_executor()),
                      {.deadline = 5s, .what = "spawn_all of 3 naps"});
  CHECK(t.before == std::this_thread::get_id());
  CHECK_MESSAGE(t.after == t.before,
                "after co_await spawn_all(...) the caller was on another "
                "thread (a pool thread?): it must resume on its own executor");
}

TEST_CASE("the caller's thread stays free while the tasks run") {
  net::thread_pool pool(2);
  lunch::rendezvous rv(2);
  auto got = lunch::run(spawn_beside_caller(pool.get_executor(), rv),
                        {.deadline = 5s, .what = "spawn_all && caller_side"});
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
    got = lunch::run(after_a_failure(pool.get_executor(), running),
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
  auto got = lunch::run(
      spawn_all(pool.get_executor(), std::vector<net::awaitable<int>>{}),
      {.deadline = 5s, .what = "spawn_all of nothing"});
  CHECK(got.empty());
}

}  // TEST_SUITE
