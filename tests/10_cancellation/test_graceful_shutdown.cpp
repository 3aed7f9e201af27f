// Tests for exercises/10_cancellation/graceful_shutdown.hpp
//
// A real server on 127.0.0.1 (a port the kernel picks) and real clients,
// all on the test's one thread. The sessions are the test's own: they echo
// lines until their client hangs up, and count themselves while they run.
// Each client connects, says hello and waits for the echo, so that its
// session is surely in flight when the shutdown is requested; then it
// either hangs up after `hold` (its session finishes) or stays until the
// server cuts it off. The shutdown request is a cancellation_signal bound
// to serve(). The sessions, clients and scenario are in
// test_graceful_shutdown_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <optional>
#include <utility>
#include <vector>

#include "graceful_shutdown.hpp"
#include "lunch/run.hpp"
#include "test_graceful_shutdown_harness.hpp"

using namespace std::chrono_literals;
using namespace graceful_shutdown_harness;

namespace {

// serve() as the scenario calls it, its report copied into plain counts.
// The cancellation bound to this coroutine reaches serve(): a coroutine it
// awaits shares its cancellation state.
net::awaitable<counts> serve_counted(tcp::acceptor& acceptor, ms grace, session_fn session) {
  const shutdown_report r = co_await serve(acceptor, grace, std::move(session));
  co_return counts{r.finished, r.cancelled};
}

result run_scenario(std::vector<std::optional<ms>> holds, ms grace, const char* what) {
  return lunch::run(scenario(serve_counted, std::move(holds), grace), {.deadline = 5s, .what = what});
}

void check_common(const result& r) {
  CHECK_MESSAGE(r.returned, "serve() did not return a report; it ended with: " << r.thrown);
  CHECK_MESSAGE(!r.connect_after_request, "a connection made after the shutdown request was "
                "accepted: stop accepting means the acceptor is closed, so that it is refused");
  CHECK_MESSAGE(r.alive_at_return == 0, r.alive_at_return << " session(s) still running when "
                "serve() returned: every session must have ended by then");
}

}  // namespace

TEST_SUITE("graceful_shutdown") {

TEST_CASE("sessions in flight finish within the grace period; serve returns when the last one ends") {
  auto r = run_scenario({20ms, 40ms}, 2000ms, "serve() with 2 clients hanging up at 20 and 40 ms, grace 2 s");
  check_common(r);
  CHECK_MESSAGE((r.report.finished == 2 && r.report.cancelled == 0),
                "two sessions ended on their own within the grace period; the report says "
                "finished = " << r.report.finished << ", cancelled = " << r.report.cancelled);
  CHECK_MESSAGE(r.took_ms < 1000, "the last session ended about 40 ms after the request, but "
                "serve() returned after " << r.took_ms << " ms: it waited out the grace "
                "period (2 s) instead of returning when the sessions were done");
}

TEST_CASE("after the grace period the rest are cancelled, and counted apart") {
  auto r = run_scenario({20ms, std::nullopt, 40ms, std::nullopt}, 200ms,
                        "serve() with 2 clients that hang up and 2 that stay, grace 200 ms");
  check_common(r);
  CHECK_MESSAGE(r.report.finished == 2, "two sessions ended on their own (at about 20 and "
                "40 ms) within a grace period of 200 ms; the report says finished = "
                << r.report.finished << " (cancelled = " << r.report.cancelled << ")");
  CHECK_MESSAGE(r.report.cancelled == 2, "two sessions were still running when the grace "
                "period ended and had to be cancelled; the report says cancelled = "
                << r.report.cancelled << " (finished = " << r.report.finished << ")");
  CHECK_MESSAGE(r.cut_off_at.size() == 2, r.cut_off_at.size() << " of the 2 clients that "
                "stayed were cut off");
  for (double t : r.cut_off_at)
    CHECK_MESSAGE(t >= 190, "a client that stayed was cut off " << t << " ms after the "
                  "request, before the grace period of 200 ms was over");
  CHECK_MESSAGE(r.took_ms < 1500, "serve() returned " << r.took_ms << " ms after the request, "
                "with a grace period of 200 ms");
}

TEST_CASE("with no session in flight, serve returns at once with an empty report") {
  auto r = run_scenario({}, 2000ms, "serve() with no clients, grace 2 s");
  check_common(r);
  CHECK_MESSAGE((r.report.finished == 0 && r.report.cancelled == 0),
                "no session ever ran; the report says finished = " << r.report.finished
                << ", cancelled = " << r.report.cancelled);
  CHECK_MESSAGE(r.took_ms < 1000, "nothing to drain, yet serve() returned after " << r.took_ms
                << " ms (grace 2 s)");
}

}  // TEST_SUITE
