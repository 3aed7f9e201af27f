// Tests for exercises/07_compute/parallel_chunks.hpp
//
// The limit is "queued or running", and a queued chunk cannot count
// itself. So the pool here has more threads than the limit: every chunk
// handed over starts at once, and the chunks that are running are all the
// chunks that were handed over. Each chunk counts itself in and out, and
// lingers a little, or until it sees the limit overshot. The first K chunks
// also meet at a rendezvous, which a version that runs fewer than K at once
// can never reach. The probe, the work functions and the scenarios are in
// test_parallel_chunks_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <span>
#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "parallel_chunks.hpp"
#include "test_parallel_chunks_harness.hpp"

using namespace std::chrono_literals;
using namespace parallel_chunks_harness;

namespace {

// parallel_chunks, with its work function erased (work_fn).
const chunks_fn the_parallel_chunks = [](net::any_io_executor pool, std::span<const double> data,
                                         std::size_t chunk_size, std::size_t k, work_fn work) {
  return parallel_chunks(pool, data, chunk_size, k, std::move(work));
};

}  // namespace

TEST_SUITE("parallel_chunks") {

TEST_CASE("results come back in chunk order, the last chunk shorter, however they finish") {
  const auto data = counting(1000);  // 16 chunks of 64; the last one holds 40
  net::thread_pool pool(3);
  const work_fn work = slow_first_sum(data.data());
  const std::vector<double> got = lunch::run(
      reactor_first(parallel_chunks(executor_of(pool), data, 64, 3, work)),
      {.deadline = 5s, .what = "parallel_chunks of 1000 numbers in chunks of 64"});
  CHECK_MESSAGE(got == sums_of_chunks(data, 64),
                "results: " << words(got) << "; results[i] must be the sum of "
                "chunk i, in chunk order (16 chunks, the last one 40 long), "
                "although chunk 0 finishes last");
}

TEST_CASE("at most K chunks are handed over at once, and K are when there is enough work") {
  const auto data = counting(12 * 10);  // 12 chunks of 10
  probe p(4, 12, 3, 20ms);  // more threads than K: a chunk handed over starts at once
  const auto got = run_watched(the_parallel_chunks, p, data, 10, 3,
                               "parallel_chunks of 12 chunks, 3 at a time");
  CHECK(got == sums_of_chunks(data, 10));
  CHECK_MESSAGE(p.peak() <= 3,
                p.peak() << " chunks were handed over and unfinished at the same "
                "time; the limit was 3: the others would have queued in the "
                "pool, holding memory, had it had fewer threads");
  CHECK_MESSAGE(p.first_gave_up() == 0,
                "chunks 0, 1 and 2 waited 1 s to be running all at the same "
                "time, and " << p.first_gave_up() << " gave up: fewer than 3 "
                "chunks ran at once (one at a time?), peak " << p.peak());
  CHECK_MESSAGE(p.peak() == 3, "at most " << p.peak() << " chunks ran at once, "
                "with 12 to do and a limit of 3: use the limit");
  CHECK_MESSAGE(p.off_pool() == 0, p.off_pool() << " chunks ran outside the "
                "pool's threads (on the caller's thread?)");
  CHECK_MESSAGE(p.not_once() == "", "every chunk must run exactly once: " << p.not_once());
}

TEST_CASE("4 threads x 10000 one-element chunks: each runs once, results exact") {
  const auto data = counting(10'000);
  probe p(4, 10'000, 4, 0ms);
  const auto got = run_watched(the_parallel_chunks, p, data, 1, 4,
                               "parallel_chunks of 10000 chunks, 4 at a time");
  CHECK_MESSAGE(got == data, "results: " << words(got) << "; expected 0 1 2 ... 9999");
  CHECK_MESSAGE(p.not_once() == "", "every chunk must run exactly once: " << p.not_once());
  CHECK_MESSAGE(p.peak() <= 4, p.peak() << " chunks at once; the limit was 4");
}

TEST_CASE("a chunk's exception reaches the awaiter once no chunk runs, and stops the rest") {
  const auto data = counting(100 * 10);  // 100 chunks of 10
  probe p(4, 100, 3, 10ms);
  p.fail_at(1);
  const std::string got = lunch::run(reactor_first(after_a_failure(the_parallel_chunks, p, data)),
                                     {.deadline = 10s, .what = "parallel_chunks with a failing chunk"});
  CHECK_MESSAGE(got == "std::out_of_range: chunk 1 broke; chunks running then: 0",
                "got: " << got << ". Expected chunk 1's own std::out_of_range, "
                "thrown only once every chunk already handed over has finished "
                "(they read the caller's data)");
  CHECK_MESSAGE(p.started() < 50,
                p.started() << " of the 100 chunks started although chunk 1 "
                "failed at once: stop handing out chunks after a failure");
}

TEST_CASE("empty data gives an empty result") {
  net::thread_pool pool(1);
  const std::vector<double> none;
  const auto got = lunch::run(
      reactor_first(parallel_chunks(executor_of(pool), none, 8, 2, work_fn(sum))),
      {.deadline = 5s, .what = "parallel_chunks of nothing"});
  CHECK(got.empty());
}

}  // TEST_SUITE
