// Tests for exercises/03_sharing/strand_counter.hpp
//
// A data race shows up only sometimes, so the exact-total test alone could
// pass by luck. The other tests do not depend on luck: one asks, from
// inside every change, "am I running on the counter's strand?"; another
// holds a change on the strand and watches whether total() waits for it.
// Those tasks are in test_strand_counter_harness.cpp, compiled once with the
// course; they reach the counter through the interface below.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "strand_counter.hpp"
#include "test_strand_counter_harness.hpp"

using namespace strand_counter_harness;

namespace {

// The learner's strand_counter behind the harness's interface.
struct the_counter final : counter {
  strand_counter c;
  the_counter(net::any_io_executor ex, std::function<void(long)> on_change)
      : c(std::move(ex), std::move(on_change)) {}
  net::strand<net::any_io_executor> get_strand() const override { return c.get_strand(); }
  net::awaitable<long> add(long n) override { return c.add(n); }
  net::awaitable<long> total() override { return c.total(); }
};

std::unique_ptr<counter> make(net::any_io_executor ex, std::function<void(long)> on_change) {
  return std::make_unique<the_counter>(std::move(ex), std::move(on_change));
}

}  // namespace

TEST_SUITE("strand_counter") {

TEST_CASE("add() returns the new total and total() reads it") {
  const std::vector<long> got = add_and_read(make);
  CHECK(got == std::vector<long>{5, 3, 3});
}

// Half the callers on strands of their own, half on a separate thread pool:
// add() must reach the counter's strand from anywhere, and come back.
TEST_CASE("every change runs on the counter's strand, one at a time, and callers come back") {
  const counted seen = own_strands_then_pool(make);
  const int changes = seen.changes;
  const int off_strand = seen.off_strand;
  const int overlapped = seen.overlapped;
  CHECK(changes == 2 * 10 * 50);
  CHECK_MESSAGE(off_strand == 0,
                off_strand << " of " << changes << " changes ran outside the "
                "counter's strand, where nothing stops two threads changing "
                "the total at once. A coroutine always resumes through its "
                "own executor (here a thread pool, or a strand of its own), "
                "so `co_await post(strand_, ...)` does not keep it on "
                "strand_; a coroutine co_spawned on strand_ runs there.");
  CHECK_MESSAGE(overlapped == 0,
                overlapped << " changes ran while another one was still "
                "running");
  const int away = seen.away_from_home;
  CHECK_MESSAGE(away == 0,
                away << " of " << changes << " add() calls returned with the "
                "caller somewhere other than its own executor (its strand, "
                "or the thread pool): a caller visits the counter's strand "
                "and then carries on where it runs, or all callers end up "
                "serialised on the counter's strand");
}

TEST_CASE("4 threads x 100 tasks each x 100 increments add up to 40000") {
  const counted w = four_hundred_tasks(make);
  CHECK_MESSAGE(w.total == 40000,
                "the total is " << w.total << ", not 40000: updates from "
                "different threads were lost");
  const int repeated = w.repeated;
  const int missing = w.missing;
  CHECK_MESSAGE(repeated + missing == 0,
                "add() should return each total from 1 to 40000 exactly once; "
                << repeated << " were returned more than once and " << missing
                << " never: two additions saw the same old total");
}

TEST_CASE("total() waits for a change running on the strand, and never returns it half done") {
  const read_turn t = read_during_changes(make);
  REQUIRE(t.read >= 0);
  CHECK_MESSAGE(t.finished_when_read >= t.read,
                "total() returned " << t.read << " while the change that "
                "made the total " << t.read << " was still running on the "
                "strand (its on_change had not returned): total() read the "
                "counter without waiting for its turn on the strand. A read "
                "needs the strand as much as a change does");
}

// Reads race with writes here on purpose: under ThreadSanitizer (the
// "threads" suite), a total() that reads the counter off the strand is
// reported as a data race even when the values look right.
TEST_CASE("total() read while additions fly from other threads only grows") {
  const counted w = adding_while_reading(make);
  CHECK(w.reads > 0);
  CHECK_MESSAGE(w.went_down == 0,
                w.went_down << " reads returned less than the read "
                "before, although the total only grows");
  CHECK_MESSAGE(w.above_final == 0,
                w.above_final << " reads returned more than the final "
                "total, " << 8 * 200);
  CHECK_MESSAGE(w.total == 8 * 200, "the final total is " << w.total
                << ", not " << 8 * 200);
  CHECK_MESSAGE(w.away_from_home == 0,
                w.away_from_home << " add() or total() calls returned "
                "with the caller somewhere other than its own strand");
}

}  // TEST_SUITE
