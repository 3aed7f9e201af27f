// The half of test_cooperative_cancel.cpp that does not depend on the
// exercise: the step function that watches the steps, and the races and
// cancellations played against run_steps. It is compiled once, with the
// course; run_steps comes in as a plain function.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "lunch/testing.hpp"

namespace cooperative_cancel_harness {

namespace net = boost::asio;
using ms = std::chrono::milliseconds;

// pool.get_executor() as an any_io_executor. The conversion compiles Asio's
// type-erased executor for the pool's executor type, about half a second:
// here it is compiled once, not on each check.
net::any_io_executor executor_of(net::thread_pool& pool);

// lunch::run's work, with the event loop's reactor started first (a
// zero-length nap). The loop's idle thread then sleeps in epoll instead of
// on a condition variable. Otherwise a pool thread that wakes it just
// before the loop is destroyed looks to ThreadSanitizer like a race with
// the destruction (glibc allows it; TSan cannot tell). Compiled for long
// and for the results below.
template <class T>
net::awaitable<T> reactor_first(net::awaitable<T> work);

// Watches the steps: how many started, how many are running, where, in
// which order.
struct steps_seen {
  explicit steps_seen(net::thread_pool& p, ms each) : pool(p), step_time(each) {}
  net::thread_pool& pool;
  ms step_time;
  int hold_at = -1;                      // this step waits for `release`
  lunch::rendezvous release{2};
  std::atomic<int> started{0}, running{0}, off_pool{0}, out_of_order{0};
};

// The step function handed to run_steps: returns its own index.
struct step_fn {
  steps_seen* s;
  long operator()(int i) const;
};

// The code under test: run_steps(pool, steps, step), with this step function.
using run_steps_fn = std::function<net::awaitable<long>(net::any_io_executor, int, step_fn)>;

// --- a timeout -----------------------------------------------------------

struct race_result {
  std::size_t winner = 0;    // 0: the steps, 1: the timeout
  std::string loser_ended;   // lunch::describe of what run_steps threw
  int started = 0, running = 0, started_later = 0;  // steps, as `||` returns and 30 ms later
};

// `steps` steps || a nap of `timeout`.
net::awaitable<race_result> steps_or_timeout(run_steps_fn run_steps, steps_seen& s, int steps,
                                             ms timeout);

// --- a cancellation by hand ----------------------------------------------

struct cancel_result {
  std::string thrown;  // what run_steps threw, or "nothing (it returned N)"
  int started = 0, running = 0, started_later = 0;  // as it ends and 30 ms later
};

// 1000 steps, spawned with a cancellation signal bound to them; the signal
// is emitted (terminal) while step 10 runs, which waits for it (s.hold_at).
net::awaitable<cancel_result> cancelled_by_hand(run_steps_fn run_steps, steps_seen& s);

// --- many races ----------------------------------------------------------

// Quick runs of 3 steps against timers of 0 or 1 ms: sometimes the steps
// win, sometimes the timer. Counts the runs that left a step running, or
// let one start, after `||` returned.
net::awaitable<int> many_races(run_steps_fn run_steps, steps_seen& s, int runs);

}  // namespace cooperative_cancel_harness
