// Tests for exercises/07_compute/cooperative_cancel.hpp
//
// A `||` hides how its loser ended, so one test cancels run_steps by hand,
// through a cancellation_signal bound to it, and looks at what it throws.
// That test cancels at a known moment: step 10 holds its pool thread until
// the signal has been emitted, so "how many steps after the cancellation"
// is exact, not a matter of timing. The step function and the scenarios are
// in test_cooperative_cancel_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <string>

#include "cooperative_cancel.hpp"
#include "lunch/run.hpp"
#include "test_cooperative_cancel_harness.hpp"

using namespace std::chrono_literals;
using namespace cooperative_cancel_harness;

TEST_SUITE("cooperative_cancel") {

TEST_CASE("not cancelled: every step runs once, in order, on the pool, and the sum comes back") {
  net::thread_pool pool(2);
  steps_seen s(pool, 0ms);
  const long sum =
      lunch::run(reactor_first(run_steps(executor_of(pool), 20, step_fn{&s})),
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
  const cancel_result r = lunch::run(reactor_first(cancelled_by_hand(run_steps<step_fn>, s)),
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
  const race_result r = lunch::run(reactor_first(steps_or_timeout(run_steps<step_fn>, s, 1000, 30ms)),
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
  const int bad = lunch::run(reactor_first(many_races(run_steps<step_fn>, s, 200)),
                             {.deadline = 20s, .what = "200 runs of 3 steps || a short timeout"});
  CHECK_MESSAGE(bad == 0, bad << " of 200 runs left a step running, or let one "
                "start, after `||` had returned");
  CHECK_MESSAGE(s.out_of_order == 0, s.out_of_order.load() << " steps ran out of order");
}

}  // TEST_SUITE
