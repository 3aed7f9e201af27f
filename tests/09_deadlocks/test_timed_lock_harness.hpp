// The half of test_timed_lock.cpp that does not depend on the exercise: the
// scenarios (holders, waiters, a cancellation) and what they observed. It is
// compiled once, with the course, so that `lunch check timed_lock` compiles
// only the test cases and the learner's file. The learner's named_mutex
// comes in through the small `lockable` interface below.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace timed_lock_harness {

namespace net = boost::asio;
using ms = std::chrono::milliseconds;

// Holds the lock until the last copy goes (it owns the exercise's guard).
using held = std::shared_ptr<void>;

// What lock_for() threw when its limit passed: the exercise's lock_timeout,
// copied into a type the harness knows.
struct timed_out {
  std::string what;
  std::string lock_name;
  ms waited;
};

// The exercise's named_mutex, as the scenarios use it. The test file
// implements it by forwarding to the learner's class; its lock_for() throws
// timed_out where the learner's throws lock_timeout.
class lockable {
 public:
  virtual ~lockable() = default;
  virtual const std::string& name() const = 0;
  virtual net::awaitable<held> lock() = 0;
  virtual net::awaitable<held> lock_for(ms limit) = 0;
  virtual held try_lock() = 0;  // empty when the lock is taken
};
using make_mutex = std::function<std::unique_ptr<lockable>(net::any_io_executor, std::string)>;

// The outcome of one lock_for(), in words: "took the lock" or what it threw.
struct attempt_log {
  std::string outcome = "did not finish";
  bool holder_had_let_go = false;  // when lock_for() returned
  const bool* released = nullptr;  // the holder's "I let go" flag, if any
  double took_ms = -1;
  std::optional<timed_out> timeout;
};

// lock_for(1 s) on a free lock named "ledger": how long it took, whether
// try_lock() got the lock while the guard was held, and after it went.
struct free_lock_result {
  double took_ms = -1;
  bool try_lock_while_held = false;
  bool try_lock_after = false;
};
net::awaitable<void> a_free_lock(make_mutex make, free_lock_result& r);

// A holder keeps the lock 40 ms; lock_for(2 s) waits for it.
net::awaitable<void> freed_before_the_limit(make_mutex make, attempt_log& log);

// The lock stays held; lock_for(150 ms) is created, awaited 100 ms later,
// and gives up. cpu_ms: the CPU time used over that wait.
net::awaitable<void> the_limit_passes_first(make_mutex make, attempt_log& log, double& cpu_ms);

// A holder keeps the lock 150 ms; a lock_for(20 ms) times out; a lock_for(2 s)
// waits in line behind it. free_at_the_end: try_lock() succeeds when all are done.
net::awaitable<void> a_timeout_then_the_next_waiter(make_mutex make, attempt_log& timed_out,
                                                    attempt_log& next, bool& free_at_the_end);

// A lock_for(2 s) on a held lock is cancelled (terminal) from outside.
// ended_in_time: it had ended 100 ms later; free_at_the_end: try_lock()
// succeeds once the holder has let go too.
net::awaitable<void> cancelled_from_outside(make_mutex make, attempt_log& log,
                                            bool& ended_in_time, bool& free_at_the_end);

}  // namespace timed_lock_harness
