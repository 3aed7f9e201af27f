// Tests for exercises/07_compute/spawn_blocking.hpp
//
// Where things run is checked by asking, not by timing: inside f, "is this
// one of the pool's threads?"; after the co_await, "which thread am I on,
// am I inside my strand?". That the caller's thread stays free is proved by
// a meeting: f blocks its thread until a timer on the caller's thread has
// fired. Run inline, f blocks that very thread, the timer cannot fire, and
// f gives up after a second.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "spawn_blocking.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

// lunch::run's work, with the event loop's reactor started first (a
// zero-length nap). The loop's idle thread then sleeps in epoll instead of
// on a condition variable. Otherwise a pool thread that wakes it just
// before the loop is destroyed looks to ThreadSanitizer like a race with
// the destruction (glibc allows it; TSan cannot tell).
template <class T>
net::awaitable<T> reactor_first(net::awaitable<T> work) {
  co_await lunch::nap(0ms);
  co_return co_await std::move(work);
}

// What f and its caller saw. f writes its fields on a pool thread; the
// caller reads them after its co_await, which orders the two.
struct where {
  std::thread::id caller_before, caller_after, f_thread;
  bool f_on_pool = false;
  std::string value;
};

net::awaitable<where> where_things_run(net::thread_pool& pool) {
  where w;
  w.caller_before = std::this_thread::get_id();
  auto f = [&w, &pool] {
    w.f_thread = std::this_thread::get_id();
    w.f_on_pool = pool.get_executor().running_in_this_thread();
    return std::string("forty-two");
  };
  w.value = co_await spawn_blocking(pool.get_executor(), f);
  w.caller_after = std::this_thread::get_id();
  co_return w;
}

// The void path: f takes a while, and its effect must be visible once the
// caller resumes (the caller waited for f, it did not just send it off).
net::awaitable<where> a_void_function(net::thread_pool& pool, std::atomic<int>& done) {
  where w;
  w.caller_before = std::this_thread::get_id();
  auto f = [&w, &pool, &done] {
    w.f_thread = std::this_thread::get_id();
    w.f_on_pool = pool.get_executor().running_in_this_thread();
    std::this_thread::sleep_for(20ms);
    ++done;
  };
  co_await spawn_blocking(pool.get_executor(), f);
  w.value = "done " + std::to_string(done.load());
  w.caller_after = std::this_thread::get_id();
  co_return w;
}

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

// The caller runs on a strand: after the co_await it must be inside that
// strand again.
net::awaitable<bool> resumes_inside(net::any_io_executor pool,
                                    net::strand<net::any_io_executor> strand) {
  auto f = [] {
    std::this_thread::sleep_for(5ms);
    return 1;
  };
  co_await spawn_blocking(pool, f);
  co_return strand.running_in_this_thread();
}

net::awaitable<bool> caller_on_a_strand(net::any_io_executor pool) {
  auto strand = net::make_strand(co_await net::this_coro::executor);
  co_return co_await net::co_spawn(strand, resumes_inside(pool, strand),
                                   net::use_awaitable);
}

// A timer on the caller's thread, then the meeting point.
net::awaitable<void> arrive_after_a_timer(lunch::rendezvous& rv) {
  lunch::pending p("a timer on the caller's thread, waiting to fire");
  co_await lunch::nap(5ms);
  rv.arrive_and_wait(0ms);  // f is already there: this does not block
}

// True when f, blocked on the pool, met the timer of the caller's thread.
net::awaitable<bool> timer_fires_while_f_blocks(net::any_io_executor pool,
                                                lunch::rendezvous& rv) {
  lunch::task_group callers_thread(co_await net::this_coro::executor);
  callers_thread.spawn(arrive_after_a_timer(rv));
  auto f = [&rv] { return rv.arrive_and_wait(1000ms); };
  lunch::pending p("spawn_blocking of a function that waits for the timer");
  const bool met = co_await spawn_blocking(pool, f);
  p.done();
  co_await callers_thread.wait();
  co_return met;
}

net::awaitable<void> wait_for_a_sleeper(net::any_io_executor pool) {
  co_await lunch::nap(0ms);  // as in reactor_first
  auto f = [] { std::this_thread::sleep_for(200ms); };
  co_await spawn_blocking(pool, f);
}

net::awaitable<std::string> what_a_failing_function_throws(net::any_io_executor pool,
                                                           bool void_path) {
  if (void_path) {
    auto f = [] { throw std::out_of_range("the void function broke"); };
    co_return co_await lunch::what_is_thrown_by(spawn_blocking(pool, f));
  }
  auto f = []() -> int { throw std::out_of_range("the int function broke"); };
  co_return co_await lunch::what_is_thrown_by(spawn_blocking(pool, f));
}

}  // namespace

TEST_SUITE("spawn_blocking") {

TEST_CASE("it returns the function's value, computed on a pool thread") {
  net::thread_pool pool(2);
  auto w = lunch::run(reactor_first(where_things_run(pool)),
                      {.deadline = 5s, .what = "spawn_blocking of a function returning a string"});
  CHECK_MESSAGE(w.value == "forty-two",
                "got \"" << w.value << "\", the function returned \"forty-two\"");
  check_places(w, "string-returning");
}

TEST_CASE("a void function has finished when the caller resumes, and ran on a pool thread") {
  net::thread_pool pool(2);
  std::atomic<int> done = 0;
  auto w = lunch::run(reactor_first(a_void_function(pool, done)),
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
      reactor_first(caller_on_a_strand(pool.get_executor())),
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
      reactor_first(timer_fires_while_f_blocks(pool.get_executor(), rv)),
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
  net::io_context ctx;
  std::exception_ptr error;
  bool finished = false;
  net::co_spawn(ctx, wait_for_a_sleeper(pool.get_executor()),
                [&](std::exception_ptr e) {
                  error = e;
                  finished = true;
                });
  std::size_t handlers = 0;
  lunch::within(5s, "spawn_blocking of a 200 ms sleep",
                [&] { handlers = ctx.run(); });
  if (error) std::rethrow_exception(error);
  REQUIRE_MESSAGE(finished, "spawn_blocking never completed: its handler was dropped");
  CHECK_MESSAGE(handlers < 50,
                "the caller's thread ran " << handlers << " handlers while the "
                "function slept for 200 ms: the caller polls (a loop of "
                "co_await post, or of short naps) instead of sleeping until "
                "the pool hands the result back");
}

// Last: a version that lets the exception escape on the pool ends the
// whole program (std::terminate), so the other tests report first.
TEST_CASE("an exception thrown by the function reaches the awaiter unchanged") {
  net::thread_pool pool(2);
  const std::string from_int = lunch::run(
      reactor_first(what_a_failing_function_throws(pool.get_executor(), false)),
      {.deadline = 5s, .what = "spawn_blocking of a throwing int function"});
  CHECK_MESSAGE(from_int == "std::out_of_range: the int function broke",
                "the awaiter got: " << from_int << "; expected the function's "
                "own std::out_of_range");
  const std::string from_void = lunch::run(
      reactor_first(what_a_failing_function_throws(pool.get_executor(), true)),
      {.deadline = 5s, .what = "spawn_blocking of a throwing void function"});
  CHECK_MESSAGE(from_void == "std::out_of_range: the void function broke",
                "the awaiter got: " << from_void << "; expected the function's "
                "own std::out_of_range (the void path too)");
}

}  // TEST_SUITE
