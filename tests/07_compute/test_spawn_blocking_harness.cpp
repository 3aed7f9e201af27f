// See test_spawn_blocking_harness.hpp.
#include "test_spawn_blocking_harness.hpp"

#include <boost/asio.hpp>

#include <exception>
#include <stdexcept>

#include "lunch/tasks.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace spawn_blocking_harness {

template <class T>
net::awaitable<T> reactor_first(net::awaitable<T> work) {
  co_await lunch::nap(0ms);
  co_return co_await std::move(work);
}
// The types the test file runs (a template's body must be compiled where it
// is defined, here, for each type used elsewhere).
template net::awaitable<where> reactor_first(net::awaitable<where>);
template net::awaitable<bool> reactor_first(net::awaitable<bool>);
template net::awaitable<std::string> reactor_first(net::awaitable<std::string>);

namespace {

// The caller runs on a strand: after the co_await it must be inside that
// strand again.
net::awaitable<bool> resumes_inside(const spawner& spawn, net::any_io_executor pool,
                                    net::strand<net::any_io_executor> strand) {
  auto f = [] {
    std::this_thread::sleep_for(5ms);
    return 1;
  };
  co_await spawn.returning_int(pool, f);
  co_return strand.running_in_this_thread();
}

// A timer on the caller's thread, then the meeting point.
net::awaitable<void> arrive_after_a_timer(lunch::rendezvous& rv) {
  lunch::pending p("a timer on the caller's thread, waiting to fire");
  co_await lunch::nap(5ms);
  rv.arrive_and_wait(0ms);  // f is already there: this does not block
}

net::awaitable<void> await_a_sleeper(const spawner& spawn, net::any_io_executor pool) {
  co_await lunch::nap(0ms);  // as in reactor_first
  auto f = [] { std::this_thread::sleep_for(200ms); };
  co_await spawn.returning_void(pool, f);
}

}  // namespace

net::awaitable<where> where_things_run(const spawner& spawn, net::thread_pool& pool) {
  where w;
  w.caller_before = std::this_thread::get_id();
  auto f = [&w, &pool] {
    w.f_thread = std::this_thread::get_id();
    w.f_on_pool = pool.get_executor().running_in_this_thread();
    return std::string("forty-two");
  };
  w.value = co_await spawn.returning_string(pool.get_executor(), f);
  w.caller_after = std::this_thread::get_id();
  co_return w;
}

net::awaitable<where> a_void_function(const spawner& spawn, net::thread_pool& pool,
                                      std::atomic<int>& done) {
  where w;
  w.caller_before = std::this_thread::get_id();
  auto f = [&w, &pool, &done] {
    w.f_thread = std::this_thread::get_id();
    w.f_on_pool = pool.get_executor().running_in_this_thread();
    std::this_thread::sleep_for(20ms);
    ++done;
  };
  co_await spawn.returning_void(pool.get_executor(), f);
  w.value = "done " + std::to_string(done.load());
  w.caller_after = std::this_thread::get_id();
  co_return w;
}

net::awaitable<bool> caller_on_a_strand(const spawner& spawn, net::thread_pool& pool) {
  auto strand = net::make_strand(co_await net::this_coro::executor);
  co_return co_await net::co_spawn(strand, resumes_inside(spawn, pool.get_executor(), strand),
                                   net::use_awaitable);
}

net::awaitable<bool> timer_fires_while_f_blocks(const spawner& spawn, net::thread_pool& pool,
                                                lunch::rendezvous& rv) {
  lunch::task_group callers_thread(co_await net::this_coro::executor);
  callers_thread.spawn(arrive_after_a_timer(rv));
  auto f = [&rv] { return rv.arrive_and_wait(1000ms); };
  lunch::pending p("spawn_blocking of a function that waits for the timer");
  const bool met = co_await spawn.returning_bool(pool.get_executor(), f);
  p.done();
  co_await callers_thread.wait();
  co_return met;
}

sleeper_run wait_for_a_sleeper(const spawner& spawn, net::thread_pool& pool) {
  net::io_context ctx;
  std::exception_ptr error;
  sleeper_run r;
  net::co_spawn(ctx, await_a_sleeper(spawn, pool.get_executor()),
                [&](std::exception_ptr e) {
                  error = e;
                  r.finished = true;
                });
  lunch::within(5s, "spawn_blocking of a 200 ms sleep",
                [&] { r.handlers = ctx.run(); });
  if (error) std::rethrow_exception(error);
  return r;
}

net::awaitable<std::string> what_a_failing_function_throws(const spawner& spawn,
                                                           net::thread_pool& pool,
                                                           bool void_path) {
  if (void_path) {
    auto f = [] { throw std::out_of_range("the void function broke"); };
    co_return co_await lunch::what_is_thrown_by(spawn.returning_void(pool.get_executor(), f));
  }
  auto f = []() -> int { throw std::out_of_range("the int function broke"); };
  co_return co_await lunch::what_is_thrown_by(spawn.returning_int(pool.get_executor(), f));
}

}  // namespace spawn_blocking_harness
