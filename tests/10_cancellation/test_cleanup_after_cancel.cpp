// Tests for exercises/10_cancellation/cleanup_after_cancel.hpp
//
// A pool of two permits and a peer that takes the worker's messages slowly
// (a pause before each receive), so that the goodbye really has to wait for
// the peer: a cleanup that cannot co_await cannot deliver it. What the peer
// received and how many permits were free are noted at the moment the
// worker ends, not later: cleanup that finishes afterwards is too late.
// The peer and the scenarios are in test_cleanup_after_cancel_harness.cpp,
// compiled once with the course.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cleanup_after_cancel.hpp"
#include "lunch/run.hpp"
#include "test_cleanup_after_cancel_harness.hpp"

using namespace std::chrono_literals;
using namespace cleanup_after_cancel_harness;

namespace {

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (auto& x : v) out += (out.empty() ? "\"" : ", \"") + x + "\"";
  return out.empty() ? "nothing" : out;
}

bool said_goodbye(const at_end& r) {
  return !r.heard.empty() && r.heard.back() == "w says goodbye";
}

void check_cleaned_up(const at_end& r, const std::string& how) {
  CHECK_MESSAGE(r.free == 2, "when the worker " << how << " ended, " << r.free
                << " of 2 permits were free: its permit was not given back (yet)");
  CHECK_MESSAGE(said_goodbye(r), "when the worker " << how << " ended, the peer had heard: "
                << list(r.heard) << ". The last message must be \"w says goodbye\"");
}

const std::string aborted = "boost::system::system_error: Operation canceled [system:125]";
const std::string channel_cancelled = "boost::system::system_error: Channel cancelled [asio.channel:2]";

}  // namespace

TEST_SUITE("cleanup_after_cancel") {

TEST_CASE("not cancelled: its reports, then the permit back and a goodbye; a normal return") {
  auto r = lunch::run(three_steps(worker), {.deadline = 5s, .what = "a worker of 3 steps"});
  CHECK_MESSAGE(r.thrown == "nothing", "the worker threw: " << r.thrown);
  const std::vector<std::string> want{"w working", "w working", "w working", "w says goodbye"};
  CHECK_MESSAGE(r.heard == want, "the peer heard " << list(r.heard) << ", expected "
                << list(want));
  CHECK_MESSAGE(r.free == 2, r.free << " of 2 permits free after the worker ended");
}

TEST_CASE("cancelled while it waits on its timer: the permit comes back and the goodbye arrives") {
  // A quick peer and a long pause: the worker is on its timer.
  auto r = lunch::run(cancelled_by_signal(worker, 1ms, 200ms, 1),
                      {.deadline = 5s, .what = "a worker cancelled during its pause"});
  check_cleaned_up(r, "cancelled during its pause");
  CHECK_MESSAGE(r.thrown == aborted, "cancelled during a timer wait, the worker ended with: "
                << r.thrown << ". Expected the exception that cancelled it, "
                "system_error(operation_aborted)");
}

TEST_CASE("cancelled while it waits for the peer: the goodbye still arrives") {
  // A slow peer and no pause: the worker is in a send the peer has not taken.
  auto r = lunch::run(cancelled_by_signal(worker, 40ms, 0ms, 1),
                      {.deadline = 5s, .what = "a worker cancelled while sending"});
  check_cleaned_up(r, "cancelled while sending");
  CHECK_MESSAGE((r.thrown == channel_cancelled || r.thrown == aborted),
                "cancelled while sending to the peer, the worker ended with: " << r.thrown
                << ". Expected the exception that cancelled its send (channel_cancelled)");
}

TEST_CASE("cancelled by a || timeout: cleaned up before the || returns") {
  auto r = lunch::run(cancelled_by_or(worker), {.deadline = 5s, .what = "worker || 20 ms"});
  check_cleaned_up(r, "lost to a 20 ms timeout");
  CHECK_MESSAGE(r.thrown == "nothing", "`worker || nap(20ms)`: the timeout wins, and the "
                "|| returns normally; it threw: " << r.thrown);
}

}  // TEST_SUITE
