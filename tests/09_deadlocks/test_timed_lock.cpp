// Tests for exercises/09_deadlocks/timed_lock.hpp
//
// A holder keeps the lock for as long as a test needs; lock_for() either
// gets it when the holder lets go or gives up at its limit. What matters
// most after a timeout is what is NOT there: a lock taken by nobody. The
// next waiter in line must get the lock, or the deadline says it leaked.
// The holders, waiters and scenarios are in test_timed_lock_harness.cpp,
// compiled once with the course; they use named_mutex through `lockable`.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <memory>
#include <string>

#include "lunch/run.hpp"
#include "test_timed_lock_harness.hpp"
#include "timed_lock.hpp"

using namespace std::chrono_literals;
using namespace timed_lock_harness;

namespace {

// named_mutex as the harness's scenarios see it: each call forwards to the
// learner's code, and lock_timeout is copied into the harness's timed_out.
class learners_mutex final : public lockable {
 public:
  learners_mutex(net::any_io_executor ex, std::string name)
      : m_(std::move(ex), std::move(name)) {}
  const std::string& name() const override { return m_.name(); }
  net::awaitable<held> lock() override {
    co_return std::make_shared<named_mutex::guard>(co_await m_.lock());
  }
  net::awaitable<held> lock_for(ms limit) override {
    try {
      co_return std::make_shared<named_mutex::guard>(co_await m_.lock_for(limit));
    } catch (const lock_timeout& e) {
      throw timed_out{e.what(), e.lock_name(), e.waited()};
    }
  }
  held try_lock() override {
    auto g = m_.try_lock();
    if (!g) return nullptr;
    return std::make_shared<named_mutex::guard>(std::move(*g));
  }

 private:
  named_mutex m_;
};

std::unique_ptr<lockable> learners_mutex_of(net::any_io_executor ex, std::string name) {
  return std::make_unique<learners_mutex>(std::move(ex), std::move(name));
}

// false (after a failure naming what still waited) when the deadline passed.
bool run(net::awaitable<void> work, const std::string& what) {
  try {
    lunch::run(std::move(work), {.deadline = 3s, .what = what});
    return true;
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK(e.what());
    return false;
  }
}

}  // namespace

TEST_SUITE("timed_lock") {

TEST_CASE("a free lock is taken at once, and held until the guard goes") {
  free_lock_result r;
  if (!run(a_free_lock(learners_mutex_of, r), "lock_for on a free lock")) return;
  CHECK_MESSAGE(r.took_ms < 500, "lock_for() on a free lock took " << r.took_ms << " ms");
  CHECK_MESSAGE(!r.try_lock_while_held, "lock_for() returned a guard but the lock is free: "
                "the guard must hold it");
  CHECK_MESSAGE(r.try_lock_after, "after the guard went, the lock is still taken");
}

TEST_CASE("a lock freed before the limit is taken as soon as it is freed") {
  attempt_log log;
  run(freed_before_the_limit(learners_mutex_of, log),
      "the holder keeps the lock 40 ms; lock_for(2 s) waits");
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
  // The lock_for() is created, then awaited 100 ms later: the limit counts
  // from the await.
  run(the_limit_passes_first(learners_mutex_of, log, cpu_ms), "lock_for(150 ms) on a held lock");
  REQUIRE_MESSAGE(log.timeout.has_value(),
                  "the lock was held all along; lock_for(150 ms) should throw "
                  "lock_timeout, it: " << log.outcome);
  const timed_out& e = *log.timeout;  // what lock_timeout said
  const std::string& what = e.what;
  CHECK_MESSAGE(what.find("ledger") != std::string::npos,
                "the message should name the lock 'ledger': \"" << what << "\"");
  CHECK_MESSAGE(what.find(std::to_string(e.waited.count())) != std::string::npos,
                "the message should say how many ms it waited (" << e.waited.count()
                << "): \"" << what << "\"");
  CHECK_MESSAGE(e.lock_name == "ledger", "lock_name() is \"" << e.lock_name << "\"");
  CHECK_MESSAGE(e.waited >= 140ms, "waited() is " << e.waited.count()
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
  run(a_timeout_then_the_next_waiter(learners_mutex_of, timed_out, next, free_at_the_end),
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
  bool ended = false;
  run(cancelled_from_outside(learners_mutex_of, log, ended, free_at_the_end),
      "a lock_for(2 s) cancelled while it waits");
  CHECK_MESSAGE(ended, "lock_for() was cancelled but had not ended 100 ms later");
  CHECK_MESSAGE(log.outcome != "took the lock",
                "lock_for() was cancelled while the lock was held, yet it took the lock");
  CHECK_MESSAGE(log.outcome != "did not finish", "the cancelled lock_for() never ended");
  CHECK_MESSAGE(free_at_the_end, "after the cancelled lock_for() and the holder, the "
                "lock is still taken: the cancelled request took it");
}

}  // TEST_SUITE
