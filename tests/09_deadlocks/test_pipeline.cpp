// Tests for exercises/09_deadlocks/pipeline.hpp
//
// The test's source() and sink() count what went in and what came out, so
// the test sees how many inputs are inside the pipeline at any moment. A
// pipeline that feeds everything before reading deadlocks once the inputs
// outnumber what the queues and workers can hold; the deadline names the
// feeder and what it had done. The counting source() and sink() are in
// test_pipeline_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "pipeline.hpp"
#include "test_pipeline_harness.hpp"

using namespace std::chrono_literals;
using namespace pipeline_harness;

namespace {

void run_and_check(int n, std::size_t capacity, int workers,
                   std::chrono::milliseconds deadline = 2s) {
  counts c;
  try {
    lunch::run(squares_of(pipeline, n, capacity, workers, c),
               {.deadline = deadline, .what = "the pipeline"});
  } catch (const lunch::deadline_exceeded& e) {
    FAIL_CHECK("DEADLOCK: pipeline() never finished. " << c.pulled << " of " << n
               << " inputs were taken and " << c.delivered << " results delivered "
               "when everything stopped: the workers wait for room in the full "
               "results queue, which is read only after the feeding, and the "
               "feeding waits for room in the jobs queue.\n" << std::string(e.what()));
    return;
  }
  std::vector<int> expected;
  for (int i = 1; i <= n; ++i) expected.push_back(i * i);
  std::sort(c.squares.begin(), c.squares.end());
  CHECK_MESSAGE(c.squares == expected,
                "sink() should get the squares of 1.." << n << " once each; it got "
                << c.squares.size() << " values");
  const int bound = 2 * int(capacity) + workers + 2;
  CHECK_MESSAGE(c.most_inside <= bound,
                "up to " << c.most_inside << " inputs were inside the pipeline at "
                "once (taken, not yet delivered); queues of " << capacity << " and "
                << workers << " workers hold at most " << bound << ". The queues "
                "must stay bounded");
}

}  // namespace

TEST_SUITE("pipeline") {

TEST_CASE("a few inputs go through") {
  run_and_check(3, 4, 2);
}

TEST_CASE("no input at all finishes") {
  run_and_check(0, 2, 3);
}

TEST_CASE("a thousand inputs through queues of 2 finish, and the queues stay bounded") {
  // A thousand squares take milliseconds: half a second is plenty, and the
  // shipped deadlock (this is the first case it fails) is reported sooner.
  run_and_check(1000, 2, 3, 500ms);
}

TEST_CASE("one worker and queues of 1 are enough for 200 inputs") {
  run_and_check(200, 1, 1);
}

}  // TEST_SUITE
