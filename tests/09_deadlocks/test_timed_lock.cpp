// Tests for exercises/09_deadlocks/timed_lock.hpp
//
// A holder keeps the lock for as long as a test needs; lock_for() either
// gets it when the holder lets go or gives up at its limit. What matters
// most after a timeout is what is NOT there: a lock taken by nobody. The
// next waiter in line must get the lock, or the deadline says it leaked.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <optional>
#include <string>

#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "timed_lock.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using lunch::nap;

namespace {

// The outcome of one lock_for(), in words: "took the lock" or what it threw.
struct attempt_log {
  std::string outcome = "did not finish";
  bool holder_had_let_go = false;  // when lock_for() returned
  const bool* released = nullptr;  // the holder's "I let go" flag, if any
  double took_ms = -1;
  std::optional<lock_timeout> timeout;
};

net::awaitable<void> attempt(named_mutex& m, ms limit, ms hold, attempt_log& log) {
  lunch::pending p("lock_for(" + std::to_string(limit.count()) + " ms) on '" + m.name() + "'");
  lunch::stopwatch sw;
  try {
    auto g = co_await m.lock_for(limit);
    log.took_ms = sw.ms();
    log.holder_had_let_go = log.released && *log.released;
    log.outcome = "took the lock";
    co_await nap(hold);
  } catch (const lock_timeout& e) {
    log.took_ms = sw.ms();
    log.outcome = "lock_timeout: " + std::string(e.what());
    log.timeout = e;
  } catch (...) {
    log.took_ms = sw.ms();
    log.outcome = lunch::describe(std::current_exception());
  }
}

net::awaitable<void> hold_for(named_mutex& m, ms d, bool* released = nullptr) {
  auto g = co_await m.lock();
  co_await nap(d);
  if (released) *released = true;  // the guard goes right after this
}

void run(net::awaitable<void> work, const std::string& what) {
  try {
    lunch::run(std::move(work), {.deadline = 3s, .what = what});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(e.what());
  }
}

}  // namespace

TEST_SUITE("timed_lock") {

TEST_CASE("a free lock is taken at once, and held until the guard goes") {
  run([]() -> net::awaitable<void> {
    named_mutex m(co_await net::this_coro::executor, "ledger");
    lunch::stopwatch sw;
    std::optional<named_mutex::guard> g;
    g.emplace(co_await m.lock_for(1s));
    CHECK_MESSAGE(sw.ms() < 500, "lock_for() on a free lock took " << sw.ms() << " ms");
    CHECK_MESSAGE(!m.try_lock(), "lock_for() returned a guard but the lock is free: "
                  "the guard must hold it");
    g.reset();
    CHECK_MESSAGE(m.try_lock().has_value(), "after the guard went, the lock is still taken");
  }(), "lock_for on a free lock");
}

TEST_CASE("a lock freed before the limit is taken as soon as it is freed") {
  attempt_log log;
  run([](attempt_log& log) -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    named_mutex m(ex, "ledger");
    lunch::task_group group(ex);
    bool released = false;
    log.released = &released;
    group.spawn(hold_for(m, 40ms, &released));
    co_await lunch::let_others_run();
    group.spawn(attempt(m, 2s, 0ms, log));
    co_await group.wait();
  }(log), "the holder keeps the lock 40 ms; lock_for(2 s) waits");
  CHECK_MESSAGE(log.outcome == "took the lock",
                "the lock was free after 40 ms, well within 2 s; lock_for(): " << log.outcome);
  CHECK_MESSAGE(log.holder_had_let_go, "lock_for() returned a guard after "
                << log.took_ms << " ms, while the holder still held the lock");
  CHECK_MESSAGE(log.took_ms < 1000, "lock_for() returned after " << log.took_ms
                << " ms: it should take the lock when it is freed (40 ms), not near its limit");
}

TEST_CASE("when the limit passes first, lock_timeout names the lock and the time waited") {
  attempt_log log;
  double cpu_ms = 0;
  run([](attempt_log& log, double& cpu_ms) -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    named_mutex m(ex, "ledger");
    auto held = co_await m.lock();
    // Created now, awaited 100 ms later: the limit counts from the await.
    auto late = attempt(m, 150ms, 0ms, log);
    co_await nap(100ms);
    lunch::cpu_meter cpu;
    co_await std::move(late);
    cpu_ms = cpu.ms();  // over the whole wait, about 150 ms
  }(log, cpu_ms), "lock_for(150 ms) on a held lock");
  REQUIRE_MESSAGE(log.timeout.has_value(),
                  "the lock was held all along; lock_for(150 ms) should throw "
                  "lock_timeout, it: " << log.outcome);
  const lock_timeout& e = *log.timeout;
  const std::string what = e.what();
  CHECK_MESSAGE(what.find("ledger") != std::string::npos,
                "the message should name the lock 'ledger': \"" << what << "\"");
  CHECK_MESSAGE(what.find(std::to_string(e.waited().count())) != std::string::npos,
                "the message should say how many ms it waited (" << e.waited().count()
                << "): \"" << what << "\"");
  CHECK_MESSAGE(e.lock_name() == "ledger", "lock_name() is \"" << e.lock_name() << "\"");
  CHECK_MESSAGE(e.waited() >= 140ms, "waited() is " << e.waited().count()
                << " ms, less than the limit of 150 ms");
  CHECK_MESSAGE(log.took_ms >= 140, "lock_for(150 ms) gave up " << log.took_ms
                << " ms after it was awaited: the clock starts at the co_await, "
                   "not when the awaitable was made");
  CHECK_MESSAGE(log.took_ms < 1000, "lock_for(150 ms) gave up only after "
                << log.took_ms << " ms");
  CHECK_MESSAGE(cpu_ms < 0.1 * log.took_ms, "waiting " << log.took_ms << " ms for the "
                "lock used " << cpu_ms << " ms of CPU: a waiter should sleep, not poll");
}

TEST_CASE("a lock_for that timed out takes nothing: the next waiter gets the lock") {
  attempt_log timed_out, next;
  bool free_at_the_end = false;
  run([](attempt_log& timed_out, attempt_log& next, bool& free_at_the_end)
          -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    named_mutex m(ex, "ledger");
    lunch::task_group group(ex);
    group.spawn(hold_for(m, 150ms));
    co_await lunch::let_others_run();
    group.spawn(attempt(m, 20ms, 0ms, timed_out));  // gives up at 20 ms
    co_await lunch::let_others_run();
    group.spawn(attempt(m, 2s, 10ms, next));        // in line behind it
    co_await group.wait();
    free_at_the_end = m.try_lock().has_value();
  }(timed_out, next, free_at_the_end),
      "a lock_for(20 ms) that times out, then a lock_for(2 s) behind it");
  CHECK_MESSAGE(timed_out.timeout.has_value(),
                "the first lock_for(20 ms) should time out (the lock was held 150 ms); it: "
                << timed_out.outcome);
  CHECK_MESSAGE(next.outcome == "took the lock",
                "the holder let go at 150 ms, so the waiter behind the timed-out one "
                "should get the lock; it: " << next.outcome << ". A lock_for() that "
                "gives up must withdraw its request, or the lock goes to nobody");
  CHECK_MESSAGE(free_at_the_end, "when everyone is done, the lock is still taken: "
                "the lock_for() that timed out took it later and never let go");
}

TEST_CASE("a lock_for cancelled from outside ends with an exception and takes nothing") {
  attempt_log log;
  bool free_at_the_end = false;
  run([](attempt_log& log, bool& free_at_the_end) -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    named_mutex m(ex, "ledger");
    std::optional<named_mutex::guard> held(co_await m.lock());
    net::cancellation_signal cancel;
    bool ended = false;
    net::co_spawn(ex, attempt(m, 2s, 0ms, log),
                  net::bind_cancellation_slot(cancel.slot(),
                                              [&](std::exception_ptr e) {
                                                ended = true;
                                                if (e) std::rethrow_exception(e);
                                              }));
    co_await lunch::let_others_run();
    cancel.emit(net::cancellation_type::terminal);
    for (int i = 0; i < 20 && !ended; ++i) co_await nap(5ms);
    CHECK_MESSAGE(ended, "lock_for() was cancelled but had not ended 100 ms later");
    held.reset();
    co_await lunch::let_others_run();
    free_at_the_end = m.try_lock().has_value();
  }(log, free_at_the_end), "a lock_for(2 s) cancelled while it waits");
  CHECK_MESSAGE(log.outcome != "took the lock",
                "lock_for() was cancelled while the lock was held, yet it took the lock");
  CHECK_MESSAGE(log.outcome != "did not finish", "the cancelled lock_for() never ended");
  CHECK_MESSAGE(free_at_the_end, "after the cancelled lock_for() and the holder, the "
                "lock is still taken: the cancelled request took it");
}

}  // TEST_SUITE
