// Tests for exercises/07_compute/spawn_blocking.hpp
//
// Where things run is checked by asking, not by timing: inside f, "is this
// one of the pool's threads?"; after the co_await, "which thread am I on,
// am I inside my strand?". That the caller's thread stays free is proved by
// a meeting: f blocks its thread until a timer on the caller's thread has
// fired. Run inline, f blocks that very thread, the timer cannot fire, and
// f gives up after a second. The callers and scenarios are in
// test_spawn_blocking_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "spawn_blocking.hpp"
#include "test_spawn_blocking_harness.hpp"

using namespace std::chrono_literals;
using namespace spawn_blocking_harness;

namespace {

// spawn_blocking with f erased into a std::function<R()>.
template <class R>
blocking_fn<R> with_result() {
  return [](net::any_io_executor pool, std::function<R()> f) {
    return spawn_blocking(pool, std::move(f));
  };
}
const spawner the_spawner{with_result<std::string>(), with_result<void>(), with_result<int>(),
                          with_result<bool>()};

void check_places(const where& w, const std::string& kind) {
  CHECK_MESSAGE(w.f_on_pool,
                "the " << kind << " function did not run on one of the pool's "
                "threads (on the caller's thread? on a thread or pool of its "
                "own?): post it to the `pool` you were given");
  CHECK_MESSAGE(w.f_thread != w.caller_before,
                "the " << kind << " function ran on the caller's thread, "
                "which it blocks");
  CHECK(w.caller_before == std::this_thread::get_id());
  CHECK_MESSAGE(w.caller_after == w.caller_before,
                "after co_await spawn_blocking(...) the caller was on another "
                "thread (the pool's?): it must resume on its own executor, so "
                "hand the completion back there instead of calling it on the "
                "pool thread");
}

}  // namespace

TEST_SUITE("spawn_blocking") {

TEST_CASE("it returns the function's value, computed on a pool thread") {
  net::thread_pool pool(2);
  auto w = lunch::run(reactor_first(where_things_run(the_spawner, pool)),
                      {.deadline = 5s, .what = "spawn_blocking of a function returning a string"});
  CHECK_MESSAGE(w.value == "forty-two",
                "got \"" << w.value << "\", the function returned \"forty-two\"");
  check_places(w, "string-returning");
}

TEST_CASE("a void function has finished when the caller resumes, and ran on a pool thread") {
  net::thread_pool pool(2);
  std::atomic<int> done = 0;
  auto w = lunch::run(reactor_first(a_void_function(the_spawner, pool, done)),
                      {.deadline = 5s, .what = "spawn_blocking of a void function"});
  CHECK_MESSAGE(w.value == "done 1",
                "when the caller resumed, the function had run "
                << w.value.substr(5) << " time(s), not once: the caller must "
                "wait for it to finish (not only for it to be sent off)");
  check_places(w, "void");
}

TEST_CASE("a caller on a strand resumes inside its strand") {
  net::thread_pool pool(2);
  const bool inside = lunch::run(
      reactor_first(caller_on_a_strand(the_spawner, pool)),
      {.deadline = 5s, .what = "spawn_blocking from a strand"});
  CHECK_MESSAGE(inside,
                "after co_await spawn_blocking(...) a caller that runs on a "
                "strand was no longer inside it: the completion must go "
                "through the caller's own executor (here its strand), not "
                "run on whatever thread finished f");
}

TEST_CASE("the caller's thread stays free: its timer fires while the function blocks") {
  net::thread_pool pool(2);
  lunch::rendezvous rv(2);
  const bool met = lunch::run(
      reactor_first(timer_fires_while_f_blocks(the_spawner, pool, rv)),
      {.deadline = 5s, .what = "a blocking function beside a timer on the caller's thread"});
  CHECK_MESSAGE(met,
                "the function waited 1 s for a 5 ms timer on the caller's "
                "thread, and it never fired: the function blocked the "
                "caller's own thread (run inline? a blocking future.get()?)");
}

// Counted in handlers, not in CPU time: on a busy machine a polling loop
// gets little CPU, but it still wakes its thread hundreds of times.
TEST_CASE("while the function runs, the caller's thread sleeps: no polling") {
  net::thread_pool pool(1);
  const sleeper_run r = wait_for_a_sleeper(the_spawner, pool);
  REQUIRE_MESSAGE(r.finished, "spawn_blocking never completed: its handler was dropped");
  CHECK_MESSAGE(r.handlers < 50,
                "the caller's thread ran " << r.handlers << " handlers while the "
                "function slept for 200 ms: the caller polls (a loop of "
                "co_await post, or of short naps) instead of sleeping until "
                "the pool hands the result back");
}

// Last: a version that lets the exception escape on the pool ends the
// whole program (std::terminate), so the other tests report first.
TEST_CASE("an exception thrown by the function reaches the awaiter unchanged") {
  net::thread_pool pool(2);
  const std::string from_int = lunch::run(
      reactor_first(what_a_failing_function_throws(the_spawner, pool, false)),
      {.deadline = 5s, .what = "spawn_blocking of a throwing int function"});
  CHECK_MESSAGE(from_int == "std::out_of_range: the int function broke",
                "the awaiter got: " << from_int << "; expected the function's "
                "own std::out_of_range");
  const std::string from_void = lunch::run(
      reactor_first(what_a_failing_function_throws(the_spawner, pool, true)),
      {.deadline = 5s, .what = "spawn_blocking of a throwing void function"});
  CHECK_MESSAGE(from_void == "std::out_of_range: the void function broke",
                "the awaiter got: " << from_void << "; expected the function's "
                "own std::out_of_range (the void path too)");
}

}  // TEST_SUITE
