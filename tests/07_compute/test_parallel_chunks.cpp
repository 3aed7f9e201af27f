// Tests for exercises/07_compute/parallel_chunks.hpp
//
// The limit is "queued or running", and a queued chunk cannot count
// itself. So the pool here has more threads than the limit: every chunk
// handed over starts at once, and the chunks that are running are all the
// chunks that were handed over. Each chunk counts itself in and out, and
// lingers a little, or until it sees the limit overshot. The first K chunks
// also meet at a rendezvous, which a version that runs fewer than K at once
// can never reach.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "parallel_chunks.hpp"

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

// 0, 1, 2, ... n-1: a chunk's first element tells which chunk it is.
std::vector<double> counting(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = double(i);
  return v;
}

double sum(std::span<const double> chunk) {
  double s = 0;
  for (double x : chunk) s += x;
  return s;
}

// Watches the chunks: how many at once, where, how often each. It owns the
// pool, declared last so that it is joined first: a chunk still running
// after a test never finds the probe gone.
class probe {
 public:
  probe(int threads, std::size_t chunks, int limit, ms linger)
      : limit_(limit), linger_(linger), runs_(chunks, 0), first_(limit),
        pool_(std::size_t(threads)) {}

  net::any_io_executor pool() { return pool_.get_executor(); }

  // The work function, for chunk number `index`.
  double run(std::size_t index, std::span<const double> chunk) {
    enter(index);
    if (index < std::size_t(limit_) && !first_.arrive_and_wait(1000ms)) {
      std::lock_guard lock(m_);
      ++first_gave_up_;
    }
    {
      std::unique_lock lock(m_);
      cv_.wait_for(lock, linger_, [&] { return in_flight_ > limit_; });
    }
    if (index == failing_) {
      leave();
      throw std::out_of_range("chunk " + std::to_string(index) + " broke");
    }
    const double s = sum(chunk);
    leave();
    return s;
  }

  void fail_at(std::size_t index) { failing_ = index; }

  int in_flight() { std::lock_guard lock(m_); return in_flight_; }
  int peak() { std::lock_guard lock(m_); return peak_; }
  int started() { std::lock_guard lock(m_); return started_; }
  int off_pool() { std::lock_guard lock(m_); return off_pool_; }
  int first_gave_up() { std::lock_guard lock(m_); return first_gave_up_; }
  // "chunk 3 ran 2 times; chunk 7 ran 0 times", or "" when each ran once.
  std::string not_once() {
    std::lock_guard lock(m_);
    std::string out;
    int listed = 0;
    for (std::size_t i = 0; i < runs_.size() && listed < 5; ++i)
      if (runs_[i] != 1) {
        out += (listed++ ? "; chunk " : "chunk ") + std::to_string(i) + " ran " +
               std::to_string(runs_[i]) + " times";
      }
    return out;
  }

 private:
  void enter(std::size_t index) {
    const bool on_pool = pool_.get_executor().running_in_this_thread();
    std::lock_guard lock(m_);
    ++started_;
    if (index < runs_.size()) ++runs_[index];
    if (!on_pool) ++off_pool_;
    peak_ = std::max(peak_, ++in_flight_);
    cv_.notify_all();
  }
  void leave() {
    std::lock_guard lock(m_);
    --in_flight_;
  }

  const int limit_;
  const ms linger_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<int> runs_;
  lunch::rendezvous first_;
  int in_flight_ = 0, peak_ = 0, started_ = 0, off_pool_ = 0, first_gave_up_ = 0;
  std::size_t failing_ = std::size_t(-1);
  net::thread_pool pool_;
};

// The work function the tests hand over: a chunk's index is where it
// starts, divided by the chunk size.
struct watched_sum {
  probe* p;
  const double* base;
  std::size_t chunk_size;
  double operator()(std::span<const double> chunk) const {
    return p->run(std::size_t(chunk.data() - base) / chunk_size, chunk);
  }
};

// Chunk 0 takes longest, so the chunks finish out of order.
struct slow_first_sum {
  const double* base;
  double operator()(std::span<const double> chunk) const {
    if (chunk.data() == base) std::this_thread::sleep_for(40ms);
    return sum(chunk);
  }
};

std::vector<double> sums_of_chunks(const std::vector<double>& data, std::size_t size) {
  std::vector<double> out;
  for (std::size_t from = 0; from < data.size(); from += size)
    out.push_back(sum(std::span(data).subspan(from, std::min(size, data.size() - from))));
  return out;
}

std::string words(const std::vector<double>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 20; ++i) out += std::to_string(long(v[i])) + " ";
  return out + (v.size() > 20 ? "..." : "");
}

// Runs parallel_chunks with `k` in flight, watched by `p`.
std::vector<double> run_watched(probe& p, const std::vector<double>& data,
                                std::size_t chunk_size, std::size_t k, const char* what) {
  const watched_sum work{&p, data.data(), chunk_size};
  return lunch::run(reactor_first(parallel_chunks(p.pool(), data, chunk_size, k, work)),
                    {.deadline = 10s, .what = what});
}

// What parallel_chunks threw, and how many chunks were running right then.
net::awaitable<std::string> after_a_failure(probe& p, const std::vector<double>& data) {
  const std::string thrown = co_await lunch::what_is_thrown_by(
      parallel_chunks(p.pool(), data, 10, 3, watched_sum{&p, data.data(), 10}));
  co_return thrown + "; chunks running then: " + std::to_string(p.in_flight());
}

}  // namespace

TEST_SUITE("parallel_chunks") {

TEST_CASE("results come back in chunk order, the last chunk shorter, however they finish") {
  const auto data = counting(1000);  // 16 chunks of 64; the last one holds 40
  net::thread_pool pool(3);
  const slow_first_sum work{data.data()};
  const std::vector<double> got = lunch::run(
      reactor_first(parallel_chunks(pool.get_executor(), data, 64, 3, work)),
      {.deadline = 5s, .what = "parallel_chunks of 1000 numbers in chunks of 64"});
  CHECK_MESSAGE(got == sums_of_chunks(data, 64),
                "results: " << words(got) << "; results[i] must be the sum of "
                "chunk i, in chunk order (16 chunks, the last one 40 long), "
                "although chunk 0 finishes last");
}

TEST_CASE("at most K chunks are handed over at once, and K are when there is enough work") {
  const auto data = counting(12 * 10);  // 12 chunks of 10
  probe p(4, 12, 3, 20ms);  // more threads than K: a chunk handed over starts at once
  const auto got = run_watched(p, data, 10, 3, "parallel_chunks of 12 chunks, 3 at a time");
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
  const auto got = run_watched(p, data, 1, 4, "parallel_chunks of 10000 chunks, 4 at a time");
  CHECK_MESSAGE(got == data, "results: " << words(got) << "; expected 0 1 2 ... 9999");
  CHECK_MESSAGE(p.not_once() == "", "every chunk must run exactly once: " << p.not_once());
  CHECK_MESSAGE(p.peak() <= 4, p.peak() << " chunks at once; the limit was 4");
}

TEST_CASE("a chunk's exception reaches the awaiter once no chunk runs, and stops the rest") {
  const auto data = counting(100 * 10);  // 100 chunks of 10
  probe p(4, 100, 3, 10ms);
  p.fail_at(1);
  const std::string got = lunch::run(reactor_first(after_a_failure(p, data)),
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
      reactor_first(parallel_chunks(pool.get_executor(), none, 8, 2, sum)),
      {.deadline = 5s, .what = "parallel_chunks of nothing"});
  CHECK(got.empty());
}

}  // TEST_SUITE
