// Tests for exercises/07_compute/cooperative_cancel.hpp
//
// A `||` hides how its loser ended, so one test cancels run_steps by hand,
// through a cancellation_signal bound to it, and looks at what it throws.
// That test cancels at a known moment: step 10 holds its pool thread until
// the signal has been emitted, so "how many steps after the cancellation"
// is exact, not a matter of timing.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <atomic>
#include <exception>
#include <string>
#include <thread>

#include "cooperative_cancel.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

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
  long operator()(int i) const {
    if (i != s->started++) ++s->out_of_order;
    ++s->running;
    if (!s->pool.get_executor().running_in_this_thread()) ++s->off_pool;
    if (i == s->hold_at) s->release.arrive_and_wait(1000ms);
    if (s->step_time > 0ms) std::this_thread::sleep_for(s->step_time);
    --s->running;
    return i;
  }
};

// run_steps, with how it ended kept in `error`: a `||` hides how its loser
// ended, and an unfinished exercise would lose there.
net::awaitable<long> kept(net::awaitable<long> work, std::exception_ptr& error) {
  try {
    co_return co_await std::move(work);
  } catch (...) {
    error = std::current_exception();
    throw;
  }
}

// --- a timeout -----------------------------------------------------------

struct race_result {
  std::size_t winner = 0;
  std::string loser_ended;
  int started = 0, running = 0, started_later = 0;
};

net::awaitable<race_result> steps_or_timeout(steps_seen& s, int steps, ms timeout) {
  using namespace net::experimental::awaitable_operators;
  lunch::pending p("run_steps racing a timeout");
  std::exception_ptr error;
  auto r = co_await (kept(run_steps(s.pool.get_executor(), steps, step_fn{&s}), error) ||
                     lunch::nap(timeout));
  race_result out{r.index(), lunch::describe(error), s.started, s.running, 0};
  co_await lunch::nap(30ms);
  out.started_later = s.started;
  co_return out;
}

// --- a cancellation by hand ----------------------------------------------

// Waits (on the caller's thread) until step 10 has started, cancels, and
// only then lets step 10 finish.
net::awaitable<void> cancel_during_step_10(steps_seen& s, net::cancellation_signal& sig,
                                           const bool& over) {
  lunch::pending p("waiting for step 10 to start, to cancel it");
  while (s.started <= 10 && !over) co_await lunch::nap(1ms);
  if (over) co_return;  // run_steps ended before step 10: nothing to cancel
  sig.emit(net::cancellation_type::terminal);
  s.release.arrive_and_wait(0ms);
}

struct cancel_result {
  std::string thrown;
  int started = 0, running = 0, started_later = 0;
};

net::awaitable<cancel_result> cancelled_by_hand(steps_seen& s) {
  auto ex = co_await net::this_coro::executor;
  net::cancellation_signal sig;
  bool over = false;
  lunch::task_group canceller(ex);
  canceller.spawn(cancel_during_step_10(s, sig, over));
  lunch::pending p("run_steps, to be cancelled during step 10");
  auto bound = net::bind_cancellation_slot(sig.slot(), net::use_awaitable);
  std::exception_ptr error;
  long sum = 0;
  try {
    sum = co_await net::co_spawn(ex, run_steps(s.pool.get_executor(), 1000, step_fn{&s}),
                                 bound);
  } catch (...) {
    error = std::current_exception();
  }
  cancel_result out{"", s.started, s.running, 0};
  over = true;
  p.done();
  co_await canceller.wait();
  co_await lunch::nap(30ms);
  out.started_later = s.started;
  out.thrown = error ? lunch::describe(error)
                     : "nothing (it returned " + std::to_string(sum) + ")";
  co_return out;
}

// --- many races ----------------------------------------------------------

// Quick runs against timers of 0 or 1 ms: sometimes the steps win,
// sometimes the timer. Counts the runs that left a step running, or let
// one start, after `||` returned.
net::awaitable<int> many_races(steps_seen& s, int runs) {
  using namespace net::experimental::awaitable_operators;
  auto ex = co_await net::this_coro::executor;
  int bad = 0;
  for (int i = 0; i < runs; ++i) {
    const int before = s.started;
    std::exception_ptr error;
    co_await (kept(run_steps(s.pool.get_executor(), 3, step_fn{&s}), error) ||
              lunch::nap(ms(i % 2)));
    lunch::describe(error);  // an unfinished exercise: show its TODO
    const int after = s.started;
    if (s.running != 0 || after - before > 3) ++bad;
    co_await net::post(ex, net::use_awaitable);
    if (s.started != after) ++bad;
    s.started = 0;  // step_fn checks the order within one run
  }
  co_return bad;
}

}  // namespace

TEST_SUITE("cooperative_cancel") {

TEST_CASE("not cancelled: every step runs once, in order, on the pool, and the sum comes back") {
  net::thread_pool pool(2);
  steps_seen s(pool, 0ms);
  const long sum =
      lunch::run(reactor_first(run_steps(pool.get_executor(), 20, step_fn{&s})),
                 {.deadline = 5s, .what = "run_steps of 20 steps"});
  CHECK_MESSAGE(sum == 190, "run_steps returned " << sum << "; steps 0..19 return "
                "their index, which sums to 190");
  CHECK_MESSAGE(s.started == 20, s.started.load() << " steps ran, not 20");
  CHECK_MESSAGE(s.out_of_order == 0, s.out_of_order.load() << " steps ran out of order "
                "(step i must be the (i+1)th to start, once each)");
  CHECK_MESSAGE(s.off_pool == 0, s.off_pool.load() << " of the steps ran outside the "
                "pool's threads (on the caller's thread?)");
}

TEST_CASE("a cancellation signal stops it within two steps: operation_aborted, nothing left running") {
  net::thread_pool pool(2);
  steps_seen s(pool, 1ms);
  s.hold_at = 10;
  const cancel_result r = lunch::run(reactor_first(cancelled_by_hand(s)),
                                     {.deadline = 10s, .what = "run_steps cancelled during step 10"});
  CHECK_MESSAGE(r.thrown == "boost::system::system_error: Operation canceled [system:125]",
                "cancelled during step 10, run_steps ended with: " << r.thrown
                << " (" << r.started << " of 1000 steps ran). Expected it to stop "
                "and throw system_error(net::error::operation_aborted)");
  CHECK_MESSAGE(r.started <= 13,
                r.started << " steps had started when run_steps ended; cancelled "
                "during step 10, it may start steps 11 and 12 at most: look "
                "for the cancellation before every step");
  CHECK_MESSAGE(r.running == 0,
                r.running << " step(s) still running when run_steps ended: wait "
                "for the running step to finish before completing");
  CHECK_MESSAGE(r.started_later == r.started,
                (r.started_later - r.started) << " more steps started after run_steps "
                "had ended: the loop on the pool went on");
  CHECK_MESSAGE(s.off_pool == 0, s.off_pool.load() << " steps ran outside the pool's threads");
}

TEST_CASE("a || timeout stops it soon, with operation_aborted, and nothing runs afterwards") {
  net::thread_pool pool(2);
  steps_seen s(pool, 1ms);
  const race_result r = lunch::run(reactor_first(steps_or_timeout(s, 1000, 30ms)),
                                   {.deadline = 10s, .what = "1000 steps of 1 ms || a 30 ms timeout"});
  CHECK_MESSAGE(r.winner == 1, "the steps won the race against a 30 ms timeout: "
                "all 1000 steps of 1 ms ran. Nobody stopped them: look for "
                "the cancellation between two steps");
  CHECK_MESSAGE(r.started < 500,
                r.started << " of the 1000 steps ran before `||` returned, with "
                "a timeout of 30 ms: the steps did not stop when cancelled "
                "(`||` waits for its loser)");
  CHECK_MESSAGE(r.loser_ended == "boost::system::system_error: Operation canceled [system:125]",
                "cancelled by `||`, run_steps ended with: " << r.loser_ended
                << "; expected system_error(net::error::operation_aborted)");
  CHECK_MESSAGE(r.running == 0, r.running << " step(s) still running when `||` returned");
  CHECK_MESSAGE(r.started_later == r.started,
                (r.started_later - r.started) << " more steps started after `||` "
                "had returned: the loop on the pool went on");
}

TEST_CASE("200 quick runs racing 0-1 ms timeouts never leave a step running") {
  net::thread_pool pool(2);
  steps_seen s(pool, 0ms);
  const int bad = lunch::run(reactor_first(many_races(s, 200)),
                             {.deadline = 20s, .what = "200 runs of 3 steps || a short timeout"});
  CHECK_MESSAGE(bad == 0, bad << " of 200 runs left a step running, or let one "
                "start, after `||` had returned");
  CHECK_MESSAGE(s.out_of_order == 0, s.out_of_order.load() << " steps ran out of order");
}

}  // TEST_SUITE
