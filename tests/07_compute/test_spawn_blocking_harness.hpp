// The half of test_spawn_blocking.cpp that does not depend on the exercise:
// the callers that await spawn_blocking and note where things ran. It is
// compiled once, with the course; spawn_blocking comes in as plain functions.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>

#include "lunch/testing.hpp"

namespace spawn_blocking_harness {

namespace net = boost::asio;

// The scenarios take the pool itself: converting its executor to an
// any_io_executor compiles Asio's type-erased executor for it (about half a
// second), which is then done here, once.

// The code under test, spawn_blocking(pool, f), for each result type the
// scenarios use, with f as a std::function (a template cannot cross into a
// library compiled once; this way the test file compiles four versions,
// not one per lambda).
template <class R>
using blocking_fn = std::function<net::awaitable<R>(net::any_io_executor, std::function<R()>)>;
struct spawner {
  blocking_fn<std::string> returning_string;
  blocking_fn<void> returning_void;
  blocking_fn<int> returning_int;
  blocking_fn<bool> returning_bool;
};

// lunch::run's work, with the event loop's reactor started first (a
// zero-length nap). The loop's idle thread then sleeps in epoll instead of
// on a condition variable. Otherwise a pool thread that wakes it just
// before the loop is destroyed looks to ThreadSanitizer like a race with
// the destruction (glibc allows it; TSan cannot tell). Compiled for the
// types of the scenarios below.
template <class T>
net::awaitable<T> reactor_first(net::awaitable<T> work);

// What f and its caller saw. f writes its fields on a pool thread; the
// caller reads them after its co_await, which orders the two.
struct where {
  std::thread::id caller_before, caller_after, f_thread;
  bool f_on_pool = false;
  std::string value;
};

// Awaits spawn_blocking of an f that notes its thread and returns
// "forty-two" (in value).
net::awaitable<where> where_things_run(const spawner& spawn, net::thread_pool& pool);

// The void path: f notes its thread, sleeps 20 ms and counts itself in
// `done`; value is "done N", N read once the caller has resumed.
net::awaitable<where> a_void_function(const spawner& spawn, net::thread_pool& pool,
                                      std::atomic<int>& done);

// A caller on a strand awaits spawn_blocking of a 5 ms sleep: is it inside
// its strand afterwards?
net::awaitable<bool> caller_on_a_strand(const spawner& spawn, net::thread_pool& pool);

// True when f, blocked on the pool (for up to 1 s), met a 5 ms timer of the
// caller's thread at `rv`.
net::awaitable<bool> timer_fires_while_f_blocks(const spawner& spawn, net::thread_pool& pool,
                                                lunch::rendezvous& rv);

// spawn_blocking of a 200 ms sleep, alone on an io_context of its own (a
// 5 s deadline): how many handlers the caller's thread ran meanwhile, and
// whether it completed. What it threw is rethrown.
struct sleeper_run {
  std::size_t handlers = 0;
  bool finished = false;
};
sleeper_run wait_for_a_sleeper(const spawner& spawn, net::thread_pool& pool);

// lunch::describe of what awaiting spawn_blocking of a throwing f threw:
// f returns int, or void when void_path.
net::awaitable<std::string> what_a_failing_function_throws(const spawner& spawn,
                                                           net::thread_pool& pool,
                                                           bool void_path);

}  // namespace spawn_blocking_harness
