// Tests for exercises/04_semaphores/acquire_timeout.hpp
//
// A one-permit semaphore held by the test, and waiters queued behind it one
// at a time. Whether a permit was lost is checked by counting the free ones
// (try_acquire) once everybody has let go: a whole semaphore has exactly 1.
// The waiters and scenarios are in test_acquire_timeout_harness.cpp, compiled
// once with the course; they reach timed_semaphore through the adapter below.
#include <doctest/doctest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "acquire_timeout.hpp"
#include "lunch/run.hpp"
#include "test_acquire_timeout_harness.hpp"

using namespace std::chrono_literals;
using namespace acquire_timeout_harness;

static_assert(std::is_same_v<timed_semaphore::clock, clock_type>,
              "the harness measures deadlines on std::chrono::steady_clock");

namespace {

// timed_semaphore and its permit behind the harness's interface.
struct exercise_permit final : permit {
  explicit exercise_permit(timed_semaphore::permit p) : p(std::move(p)) {}
  void release() override { p.release(); }
  bool held() const override { return static_cast<bool>(p); }
  timed_semaphore::permit p;
};

permit_ptr wrap(timed_semaphore::permit p) {
  return std::make_unique<exercise_permit>(std::move(p));
}

struct exercise_semaphore final : semaphore {
  exercise_semaphore(net::any_io_executor ex, std::size_t permits) : s(std::move(ex), permits) {}
  net::awaitable<permit_ptr> acquire() override { co_return wrap(co_await s.acquire()); }
  net::awaitable<permit_ptr> acquire_until(clock_type::time_point deadline) override {
    co_return wrap(co_await s.acquire_until(deadline));
  }
  permit_ptr try_acquire() override {
    auto p = s.try_acquire();
    return p ? wrap(std::move(*p)) : nullptr;
  }
  timed_semaphore s;
};

std::unique_ptr<semaphore> make(net::any_io_executor ex, std::size_t permits) {
  return std::make_unique<exercise_semaphore>(std::move(ex), permits);
}

void check_left_the_queue(const queue_report& r, const std::string& how) {
  CHECK_MESSAGE(!r.first.got_permit, "the waiter that " << how << " got a permit");
  CHECK_MESSAGE(r.order == std::vector<int>{2}, "the plain waiter queued behind the one that "
                << how << " did not get the permit when it was given back");
  CHECK_MESSAGE(r.free_at_end == 1, r.free_at_end << " permit(s) free once everybody let go, "
                "instead of 1");
  CHECK_MESSAGE(r.later_acquire_ok, "acquire_until() failed on a free semaphore afterwards");
}

}  // namespace

TEST_SUITE("acquire_timeout") {

TEST_CASE("with no permit by the deadline, it throws timed_out, not before") {
  timeout_report r;
  lunch::run(time_out_behind_holder(make, r),
             {.deadline = 5s, .what = "acquire_until(now + 50 ms) on a held semaphore"});
  CHECK_MESSAGE(!r.waiter.got_permit, "it returned a permit while the only one was held");
  CHECK_MESSAGE(r.waiter.timed_out, "expected system_error with net::error::timed_out, "
                "got: " << r.waiter.thrown);
  if (r.waiter.timed_out)
    CHECK_MESSAGE(r.waiter.after_deadline, "it timed out before its deadline");
  CHECK_MESSAGE(!r.holder_permit_freed, "after the timeout a permit was free, though the "
                "test still held the only one: the timeout gave back someone else's permit");
  CHECK_MESSAGE(r.free_at_end == 1, r.free_at_end << " permit(s) free once the holder let go, "
                "instead of 1");
}

TEST_CASE("a permit given back before the deadline is taken at once") {
  outcome out;
  double took_ms = 0;
  lunch::run(released_in_time(make, out, took_ms),
             {.deadline = 5s, .what = "acquire_until(now + 3 s), released after 20 ms"});
  CHECK_MESSAGE(out.got_permit, "no permit, though one was given back after 20 ms of a "
                "3 s deadline; it ended with: " << (out.timed_out ? "timed_out" : out.thrown));
  CHECK_MESSAGE(took_ms < 1000, "the permit came back after 20 ms but acquire_until "
                "returned only after " << took_ms << " ms");
}

TEST_CASE("a waiter that timed out leaves the queue: the next one gets the permit") {
  queue_report r;
  lunch::run(leave_the_queue(make, false, r),
             {.deadline = 5s, .what = "a timed-out waiter with a plain waiter behind it"});
  CHECK(r.first.timed_out);
  check_left_the_queue(r, "timed out");
}

TEST_CASE("a cancelled waiter leaves the queue too") {
  queue_report r;
  lunch::run(leave_the_queue(make, true, r),
             {.deadline = 5s, .what = "a cancelled waiter with a plain waiter behind it"});
  CHECK_MESSAGE(r.first.finished, "the cancelled acquire_until did not end by throwing "
                "(it was cancelled while waiting)");
  check_left_the_queue(r, "was cancelled");
}

TEST_CASE("a waiter with a deadline keeps its place in the queue") {
  std::vector<int> order;
  lunch::run(deadline_waiter_first(make, order),
             {.deadline = 5s, .what = "a waiter with a deadline, then a plain one"});
  const std::vector<int> fifo{1, 2};
  CHECK_MESSAGE(order == fifo, "the waiter with a deadline (1) queued before the plain "
                "waiter (2), yet they got the permit in the order " << list(order));
}

TEST_CASE("no permit is lost when it arrives just as the deadline passes") {
  tie_report r;
  lunch::run(many_ties(make, r), {.deadline = 5s, .what = "6 ties between a release and a deadline"});
  CHECK(r.rounds == 6);
  CHECK_MESSAGE(r.other.empty(), "a waiter ended with neither a permit nor timed_out: "
                << r.other);
  for (std::size_t i = 0; i < r.free_after.size(); ++i)
    CHECK_MESSAGE(r.free_after[i] == 1, "round " << i << ": " << r.free_after[i]
                  << " permit(s) free afterwards instead of 1. The permit was handed to "
                  "the waiter just as its deadline passed, and nobody owns it now");
}

}  // TEST_SUITE
