// See test_spawn_all_harness.hpp. Parallelism is proved with a rendezvous:
// each task blocks its thread until all the others have arrived too.
#include "test_spawn_all_harness.hpp"

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <utility>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

using lunch::nap;

namespace spawn_all_harness {
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

// Every scenario runs spawn_all through this one coroutine.
net::awaitable<void> spawn_into(const spawn_fn& spawn_all, outcome& out,
                                net::any_io_executor pool,
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
net::awaitable<void> spawn_beside_caller(const spawn_fn& spawn_all, outcome& out,
                                         net::thread_pool& pool, lunch::rendezvous& rv,
                                         std::atomic<int>& off_pool) {
  std::vector<net::awaitable<int>> tasks;
  tasks.push_back(meet(rv, 1500ms, pool, off_pool));
  lunch::task_group group(co_await net::this_coro::executor);
  group.spawn(spawn_into(spawn_all, out, pool.get_executor(), std::move(tasks)));
  group.spawn(caller_side(rv));
  co_await group.wait();
}

// What spawn_all threw, in words, and how many tasks were still running.
net::awaitable<void> failure_into(const spawn_fn& spawn_all, std::string& got,
                                  net::any_io_executor pool, std::atomic<int>& running) {
  std::vector<net::awaitable<int>> tasks;
  tasks.push_back(lunch::fail_after(10ms, "task 0 broke on the pool"));
  tasks.push_back(lunch::counted_nap(running, 150ms));
  got = co_await lunch::what_is_thrown_by(spawn_all(pool, std::move(tasks)));
  if (got != "nothing" && got != "net::multiple_exceptions")
    got += ", " + std::to_string(running.load()) + " task(s) still running";
}

}  // namespace

meetings three_meetings(const spawn_fn& spawn_all) {
  net::thread_pool pool(3);
  lunch::rendezvous rv(3);
  std::atomic<int> off_pool = 0;
  std::vector<net::awaitable<int>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(meet(rv, 1500ms, pool, off_pool));
  outcome out;
  lunch::run(spawn_into(spawn_all, out, pool.get_executor(), std::move(tasks)),
             {.deadline = 8s, .what = "spawn_all of 3 meetings"});
  return {out.values, off_pool.load()};
}

timed four_naps(const spawn_fn& spawn_all) {
  net::thread_pool pool(2);
  std::vector<net::awaitable<int>> tasks;
  // Task 0 naps longest: the tasks finish in reverse order.
  for (int i = 0; i < 4; ++i) tasks.push_back(value_after((4 - i) * 30ms, i * 10));
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  timed r;
  lunch::run(spawn_into(spawn_all, r.out, pool.get_executor(), std::move(tasks)),
             {.deadline = 5s, .what = "spawn_all of 4 naps"});
  r.cpu_ms = cpu.ms();
  r.wall_ms = sw.ms();
  return r;
}

outcome three_naps(const spawn_fn& spawn_all) {
  net::thread_pool pool(2);
  std::vector<net::awaitable<int>> tasks;
  for (int i = 0; i < 3; ++i) tasks.push_back(value_after(20ms, i));
  outcome t;
  lunch::run(spawn_into(spawn_all, t, pool.get_executor(), std::move(tasks)),
             {.deadline = 5s, .what = "spawn_all of 3 naps"});
  return t;
}

outcome beside_the_caller(const spawn_fn& spawn_all) {
  net::thread_pool pool(2);
  lunch::rendezvous rv(2);
  std::atomic<int> off_pool = 0;
  outcome out;
  lunch::run(spawn_beside_caller(spawn_all, out, pool, rv, off_pool),
             {.deadline = 5s, .what = "spawn_all beside a coroutine on the caller's thread"});
  return out;
}

std::string after_a_failure(const spawn_fn& spawn_all) {
  net::thread_pool pool(2);
  std::atomic<int> running = 0;
  std::string got;
  try {
    lunch::run(failure_into(spawn_all, got, pool.get_executor(), running),
               {.deadline = 3s, .what = "spawn_all with a failing task"});
  } catch (const lunch::deadline_exceeded&) {
    got = "a hang";
  }
  return got;
}

outcome nothing(const spawn_fn& spawn_all) {
  net::thread_pool pool(1);
  outcome out;
  out.values = {-1};
  lunch::run(spawn_into(spawn_all, out, pool.get_executor(), {}),
             {.deadline = 5s, .what = "spawn_all of nothing"});
  return out;
}

}  // namespace spawn_all_harness
