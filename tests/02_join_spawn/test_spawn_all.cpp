// Tests for exercises/02_join_spawn/spawn_all.hpp
//
// Parallelism is proved with a rendezvous, not a stopwatch: each task blocks
// its thread until all the others have arrived too. That can only happen if
// they all run at the same time on different threads; run one after another
// (or all on one thread), the first waits alone and gives up after a while.
// The tasks and the coroutines that await spawn_all are in
// test_spawn_all_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "spawn_all.hpp"
#include "test_spawn_all_harness.hpp"

using namespace spawn_all_harness;

TEST_SUITE("spawn_all") {

TEST_CASE("three tasks run at the same time on three threads of the given pool") {
  const meetings r = three_meetings(spawn_all<int>);
  const auto& met = r.met;
  REQUIRE(met.size() == 3);
  const int gave_up = 3 - (met[0] + met[1] + met[2]);
  CHECK_MESSAGE(gave_up == 0,
                gave_up << " of the 3 tasks waited 1.5 s for the others and "
                "gave up: the tasks did not all run at the same time (one "
                "after another? all on the caller's single thread?)");
  CHECK_MESSAGE(r.off_pool == 0,
                r.off_pool << " of the 3 tasks ran outside the pool "
                "spawn_all was given (on threads of its own?): work sent to "
                "a pool must run on that pool's threads");
}

TEST_CASE("results come back in input order, and waiting burns no CPU") {
  // Task 0 naps longest: the tasks finish in reverse order.
  const timed r = four_naps(spawn_all<int>);
  const auto& got = r.out.values;
  // The tasks only nap, so waiting for them costs next to no CPU; a loop of
  // co_await post(...) asking "all done yet?" burns a whole core.
  CHECK_MESSAGE(r.cpu_ms < 0.1 * r.wall_ms,
                "the process used " << r.cpu_ms << " ms of CPU while waiting "
                << r.wall_ms << " ms for four naps: spawn_all polls instead of "
                "waiting to be woken");
  const std::vector<int> want{0, 10, 20, 30};
  std::string seen;
  for (int v : got) seen += std::to_string(v) + " ";
  CHECK_MESSAGE(got == want,
                "results: " << seen << "; result i must be tasks[i]'s value "
                "(0 10 20 30), whatever order the tasks finished in");
}

TEST_CASE("the caller resumes on its own thread") {
  const outcome t = three_naps(spawn_all<int>);
  CHECK(t.before == std::this_thread::get_id());
  CHECK_MESSAGE(t.after == t.before,
                "after co_await spawn_all(...) the caller was on another "
                "thread (a pool thread?): it must resume on its own executor");
}

TEST_CASE("the caller's thread stays free while the tasks run") {
  const outcome out = beside_the_caller(spawn_all<int>);
  const auto& got = out.values;
  REQUIRE(got.size() == 1);
  CHECK_MESSAGE(got[0] == 1,
                "a coroutine on the caller's thread could not run while "
                "spawn_all waited: spawn_all blocked the thread (a "
                "std::future::get()?) instead of suspending");
}

TEST_CASE("an exception in a task reaches the awaiter, once every task has ended") {
  const std::string got = after_a_failure(spawn_all<int>);
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
  const outcome out = nothing(spawn_all<int>);
  CHECK(out.values.empty());
}

}  // TEST_SUITE
