// Tests for exercises/10_cancellation/with_deadline.hpp
//
// The operation under the deadline is a nap that records how it ended and,
// when cancelled, spends a little time on asynchronous cleanup before it
// rethrows. So a test can tell what with_deadline reported from what really
// happened to the operation, and whether the operation had finished (its
// cleanup included) by the time with_deadline returned.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "with_deadline.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

// What happened to the operation under the deadline.
struct op_log {
  bool started = false;
  bool finished = false;  // its frame is gone: returned, threw, cleaned up
  bool cleaned_up = false;
  std::string ended = "still running";
};

// Naps `d`, then returns `value`. Cancelled, it notes how the nap ended,
// spends `cleanup` on an asynchronous cleanup (after resetting its
// cancellation state, as chapter 10 teaches) and rethrows.
net::awaitable<int> op_int(op_log& log, ms d, int value, ms cleanup) {
  lunch::pending p("the operation under the deadline");
  log.started = true;
  struct mark {
    op_log& l;
    ~mark() { l.finished = true; }
  } on_exit{log};
  std::exception_ptr error;
  try {
    co_await lunch::nap(d);
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    log.ended = lunch::describe(error);
    if (cleanup > 0ms) {
      co_await net::this_coro::reset_cancellation_state();
      co_await lunch::nap(cleanup);
      log.cleaned_up = true;
    }
    std::rethrow_exception(error);
  }
  log.ended = "returned";
  co_return value;
}

net::awaitable<void> op_void(op_log& log, ms d, ms cleanup) {
  co_await op_int(log, d, 0, cleanup);
}

// How with_deadline ended, and what the operation had done by then.
struct outcome {
  std::optional<int> value;         // awaitable<int>: what came back
  bool returned = false;            // it returned (value or void)
  bool timed_out = false;           // system_error with net::error::timed_out
  std::string thrown = "nothing";   // in words, whatever it threw
  double took_ms = 0;
  op_log op_at_return;              // the operation's log when it returned
};

template <class T>
net::awaitable<void> observe(net::awaitable<T> work, const op_log& log, outcome& out) {
  lunch::pending p("with_deadline");
  lunch::stopwatch sw;
  try {
    if constexpr (std::is_void_v<T>)
      co_await std::move(work);
    else
      out.value = co_await std::move(work);
    out.returned = true;
  } catch (const boost::system::system_error& e) {
    out.timed_out = e.code() == net::error::timed_out;
    out.thrown = lunch::describe(std::current_exception());
  } catch (...) {
    out.thrown = lunch::describe(std::current_exception());
  }
  out.took_ms = sw.ms();
  out.op_at_return = log;
}

template <class T>
outcome run_case(net::awaitable<T> work, const op_log& log, const char* what) {
  outcome out;
  lunch::run(observe(std::move(work), log, out), {.deadline = 5s, .what = what});
  return out;
}

// Cancelled from outside: with_deadline is co_spawned with a cancellation
// slot, and the test emits on it 20 ms in, long before the deadline.
template <class T>
net::awaitable<void> cancel_from_outside(net::awaitable<T> work, const op_log& log,
                                         outcome& out) {
  auto ex = co_await net::this_coro::executor;
  net::cancellation_signal sig;
  bool done = false;
  net::co_spawn(ex, observe(std::move(work), log, out),
                net::bind_cancellation_slot(sig.slot(), [&](std::exception_ptr e) {
                  if (e) std::rethrow_exception(e);
                  done = true;
                }));
  co_await lunch::nap(20ms);
  sig.emit(net::cancellation_type::terminal);
  lunch::pending p("with_deadline, cancelled from outside, to end");
  while (!done) co_await lunch::nap(2ms);
}

const std::string aborted = "boost::system::system_error: Operation canceled [system:125]";

void check_timed_out(const outcome& r, double deadline_ms) {
  CHECK_MESSAGE(r.timed_out, "an operation of 10 s under a deadline of " << deadline_ms
                << " ms: expected system_error(net::error::timed_out), got: "
                << (r.returned ? "a normal return" : r.thrown));
  CHECK_MESSAGE(r.took_ms >= deadline_ms - 1, "it gave up after " << r.took_ms
                << " ms, before its deadline of " << deadline_ms << " ms");
  CHECK_MESSAGE(r.op_at_return.ended == aborted, "the operation was not cancelled at the "
                "deadline; when with_deadline returned it had: " << r.op_at_return.ended);
  CHECK_MESSAGE(r.op_at_return.finished, "with_deadline returned while the cancelled "
                "operation was still running: wait for the loser to finish");
  CHECK_MESSAGE(r.op_at_return.cleaned_up, "with_deadline returned before the cancelled "
                "operation's cleanup (30 ms, after the cancel) was done");
}

void check_failed_early(const outcome& r) {
  CHECK_MESSAGE(r.thrown == "std::out_of_range: the operation failed",
                "the operation threw std::out_of_range after 5 ms, with a deadline of "
                "300 ms; with_deadline ended with: " << (r.returned ? "a normal return" : r.thrown)
                << std::string(r.timed_out ? " (a fake timeout: the failure was dropped and "
                                             "the timer was left to run out)" : ""));
  CHECK_MESSAGE(r.took_ms < 150, "the operation failed after 5 ms, but with_deadline "
                "ended only after " << r.took_ms << " ms (the deadline was 300 ms)");
}

}  // namespace

TEST_SUITE("with_deadline") {

TEST_CASE("the value comes back as soon as the operation finishes") {
  op_log log;
  auto r = run_case(with_deadline(op_int(log, 10ms, 42, 0ms), 2s), log,
                    "with_deadline(10 ms operation, 2 s)");
  CHECK_MESSAGE(r.value == std::optional<int>(42), "expected 42, got "
                << (r.value ? std::to_string(*r.value) : "no value, but: " + r.thrown));
  CHECK_MESSAGE(r.took_ms < 1000, "the operation took 10 ms, with_deadline "
                << r.took_ms << " ms: it waited for the deadline");
}

TEST_CASE("void: it returns as soon as the operation finishes") {
  op_log log;
  auto r = run_case(with_deadline(op_void(log, 10ms, 0ms), 2s), log,
                    "with_deadline(10 ms void operation, 2 s)");
  CHECK_MESSAGE(r.returned, "expected a normal return, got: " << r.thrown);
  CHECK_MESSAGE(r.took_ms < 1000, "the operation took 10 ms, with_deadline "
                << r.took_ms << " ms: it waited for the deadline");
}

TEST_CASE("an operation that fails early: its own exception, at once, not a timeout") {
  op_log none;
  check_failed_early(run_case(
      with_deadline(lunch::fail_after<int>(5ms, "the operation failed"), 300ms), none,
      "with_deadline(operation failing at 5 ms, 300 ms)"));
}

TEST_CASE("void: an operation that fails early rethrows its own exception, at once") {
  op_log none;
  check_failed_early(run_case(
      with_deadline(lunch::fail_after<void>(5ms, "the operation failed"), 300ms), none,
      "with_deadline(void operation failing at 5 ms, 300 ms)"));
}

TEST_CASE("past the deadline: timed_out, and the operation was cancelled and has finished") {
  op_log log;
  auto r = run_case(with_deadline(op_int(log, 10s, 42, 30ms), 30ms), log,
                    "with_deadline(10 s operation, 30 ms)");
  CHECK_MESSAGE(!r.value, "it returned " << r.value.value_or(0) << " from an operation "
                "of 10 s, under a deadline of 30 ms");
  check_timed_out(r, 30);
}

TEST_CASE("void: past the deadline, timed_out once the cancelled operation has finished") {
  op_log log;
  auto r = run_case(with_deadline(op_void(log, 10s, 30ms), 30ms), log,
                    "with_deadline(10 s void operation, 30 ms)");
  CHECK_MESSAGE(!r.returned, "it returned normally from an operation of 10 s, under a "
                "deadline of 30 ms");
  check_timed_out(r, 30);
}

TEST_CASE("cancelled from outside: operation_aborted, once the operation has finished") {
  op_log log;
  outcome r;
  lunch::run(cancel_from_outside(with_deadline(op_int(log, 10s, 42, 30ms), 3s), log, r),
             {.deadline = 5s, .what = "with_deadline(10 s operation, 3 s), cancelled at 20 ms"});
  CHECK_MESSAGE(r.thrown == aborted, "cancelled at 20 ms (deadline 3 s), with_deadline "
                "ended with: " << (r.returned ? "a normal return" : r.thrown)
                << ". Expected system_error(operation_aborted), which `catch "
                "(boost::system::system_error&)` catches");
  CHECK_MESSAGE(r.took_ms < 1000, "cancelled at 20 ms, it ended after " << r.took_ms
                << " ms: the cancellation did not reach the operation");
  CHECK_MESSAGE((r.op_at_return.finished && r.op_at_return.cleaned_up),
                "with_deadline ended before the operation it ran had finished its cleanup");
}

TEST_CASE("void: cancelled from outside, operation_aborted") {
  op_log log;
  outcome r;
  lunch::run(cancel_from_outside(with_deadline(op_void(log, 10s, 30ms), 3s), log, r),
             {.deadline = 5s, .what = "with_deadline(10 s void operation, 3 s), cancelled at 20 ms"});
  CHECK_MESSAGE(r.thrown == aborted, "cancelled at 20 ms (deadline 3 s), with_deadline "
                "ended with: " << (r.returned ? "a normal return" : r.thrown));
  CHECK_MESSAGE(r.took_ms < 1000, "cancelled at 20 ms, it ended after " << r.took_ms
                << " ms: the cancellation did not reach the operation");
  CHECK_MESSAGE((r.op_at_return.finished && r.op_at_return.cleaned_up),
                "with_deadline ended before the operation it ran had finished its cleanup");
}

}  // TEST_SUITE
