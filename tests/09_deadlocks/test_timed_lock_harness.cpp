// The half of test_timed_lock.cpp that does not depend on the exercise: the
// scenarios, compiled once with the course. The mutex comes in as a
// `lockable` made by the test file.
#include "test_timed_lock_harness.hpp"

#include <boost/asio.hpp>

#include "lunch/measure.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;
using lunch::nap;

namespace timed_lock_harness {

namespace {

net::awaitable<void> attempt(lockable& m, ms limit, ms hold, attempt_log& log) {
  lunch::pending p("lock_for(" + std::to_string(limit.count()) + " ms) on '" + m.name() + "'");
  lunch::stopwatch sw;
  try {
    auto g = co_await m.lock_for(limit);
    log.took_ms = sw.ms();
    log.holder_had_let_go = log.released && *log.released;
    log.outcome = "took the lock";
    co_await nap(hold);
  } catch (const timed_out& e) {
    log.took_ms = sw.ms();
    log.outcome = "lock_timeout: " + e.what;
    log.timeout = e;
  } catch (...) {
    log.took_ms = sw.ms();
    log.outcome = lunch::describe(std::current_exception());
  }
}

net::awaitable<void> hold_for(lockable& m, ms d, bool* released = nullptr) {
  auto g = co_await m.lock();
  co_await nap(d);
  if (released) *released = true;  // the guard goes right after this
}

}  // namespace

net::awaitable<void> a_free_lock(make_mutex make, free_lock_result& r) {
  auto m = make(co_await net::this_coro::executor, "ledger");
  lunch::stopwatch sw;
  held g = co_await m->lock_for(1s);
  r.took_ms = sw.ms();
  r.try_lock_while_held = bool(m->try_lock());
  g.reset();
  r.try_lock_after = bool(m->try_lock());
}

net::awaitable<void> freed_before_the_limit(make_mutex make, attempt_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto m = make(ex, "ledger");
  lunch::task_group group(ex);
  bool released = false;
  log.released = &released;
  group.spawn(hold_for(*m, 40ms, &released));
  co_await lunch::let_others_run();
  group.spawn(attempt(*m, 2s, 0ms, log));
  co_await group.wait();
}

net::awaitable<void> the_limit_passes_first(make_mutex make, attempt_log& log, double& cpu_ms) {
  auto m = make(co_await net::this_coro::executor, "ledger");
  auto held = co_await m->lock();
  // Created now, awaited 100 ms later: the limit counts from the await.
  auto late = attempt(*m, 150ms, 0ms, log);
  co_await nap(100ms);
  lunch::cpu_meter cpu;
  co_await std::move(late);
  cpu_ms = cpu.ms();  // over the whole wait, about 150 ms
}

net::awaitable<void> a_timeout_then_the_next_waiter(make_mutex make, attempt_log& timed_out,
                                                    attempt_log& next, bool& free_at_the_end) {
  auto ex = co_await net::this_coro::executor;
  auto m = make(ex, "ledger");
  lunch::task_group group(ex);
  group.spawn(hold_for(*m, 150ms));
  co_await lunch::let_others_run();
  group.spawn(attempt(*m, 20ms, 0ms, timed_out));  // gives up at 20 ms
  co_await lunch::let_others_run();
  group.spawn(attempt(*m, 2s, 10ms, next));        // in line behind it
  co_await group.wait();
  free_at_the_end = bool(m->try_lock());
}

net::awaitable<void> cancelled_from_outside(make_mutex make, attempt_log& log,
                                            bool& ended_in_time, bool& free_at_the_end) {
  auto ex = co_await net::this_coro::executor;
  auto m = make(ex, "ledger");
  held h = co_await m->lock();
  net::cancellation_signal cancel;
  bool ended = false;
  net::co_spawn(ex, attempt(*m, 2s, 0ms, log),
                net::bind_cancellation_slot(cancel.slot(),
                                            [&](std::exception_ptr e) {
                                              ended = true;
                                              if (e) std::rethrow_exception(e);
                                            }));
  co_await lunch::let_others_run();
  cancel.emit(net::cancellation_type::terminal);
  for (int i = 0; i < 20 && !ended; ++i) co_await nap(5ms);
  ended_in_time = ended;
  h.reset();
  co_await lunch::let_others_run();
  free_at_the_end = bool(m->try_lock());
}

}  // namespace timed_lock_harness
