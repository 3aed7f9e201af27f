// The half of test_parallel_chunks.cpp that does not depend on the
// exercise: the data, the work functions, and the probe that watches the
// chunks. It is compiled once, with the course; parallel_chunks comes in as
// a plain function.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "lunch/testing.hpp"

namespace parallel_chunks_harness {

namespace net = boost::asio;
using ms = std::chrono::milliseconds;

// A work function, erased: parallel_chunks is then compiled once for all
// the tests, not once per kind of work function.
using work_fn = std::function<double(std::span<const double>)>;

// The code under test: parallel_chunks(pool, data, chunk_size,
// max_in_flight, work).
using chunks_fn = std::function<net::awaitable<std::vector<double>>(
    net::any_io_executor, std::span<const double>, std::size_t, std::size_t, work_fn)>;

// pool.get_executor() as an any_io_executor. The conversion compiles Asio's
// type-erased executor for the pool's executor type, about half a second:
// here it is compiled once, not on each check.
net::any_io_executor executor_of(net::thread_pool& pool);

// lunch::run's work, with the event loop's reactor started first (a
// zero-length nap). The loop's idle thread then sleeps in epoll instead of
// on a condition variable. Otherwise a pool thread that wakes it just
// before the loop is destroyed looks to ThreadSanitizer like a race with
// the destruction (glibc allows it; TSan cannot tell). Compiled for the
// results of the tests.
template <class T>
net::awaitable<T> reactor_first(net::awaitable<T> work);

// 0, 1, 2, ... n-1: a chunk's first element tells which chunk it is.
std::vector<double> counting(std::size_t n);

double sum(std::span<const double> chunk);

// Watches the chunks: how many at once, where, how often each. It owns the
// pool, declared last so that it is joined first: a chunk still running
// after a test never finds the probe gone.
class probe {
 public:
  // A pool of `threads`; `chunks` chunks expected; the first `limit` chunks
  // meet at a rendezvous (1 s at most); each chunk lingers `linger`, or
  // until more than `limit` are in flight.
  probe(int threads, std::size_t chunks, int limit, ms linger);

  net::any_io_executor pool();

  // The work function, for chunk number `index`.
  double run(std::size_t index, std::span<const double> chunk);

  // Chunk `index` throws std::out_of_range("chunk N broke").
  void fail_at(std::size_t index) { failing_ = index; }

  int in_flight();
  int peak();
  int started();
  int off_pool();
  int first_gave_up();
  // "chunk 3 ran 2 times; chunk 7 ran 0 times", or "" when each ran once.
  std::string not_once();

 private:
  void enter(std::size_t index);
  void leave();

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

// A work function whose chunk 0 takes longest (40 ms), so the chunks finish
// out of order.
work_fn slow_first_sum(const double* base);

// The sum of each chunk of `size`, in order: the expected results.
std::vector<double> sums_of_chunks(const std::vector<double>& data, std::size_t size);

// The first 20 values, as words for a failure message.
std::string words(const std::vector<double>& v);

// Runs parallel_chunks with `k` in flight, on the probe's pool, each chunk
// through p.run (a chunk's index is where it starts, divided by the chunk
// size), with a 10 s deadline.
std::vector<double> run_watched(const chunks_fn& parallel_chunks, probe& p,
                                const std::vector<double>& data, std::size_t chunk_size,
                                std::size_t k, const char* what);

// What parallel_chunks threw (chunks of 10, 3 at a time), and how many
// chunks were running right then.
net::awaitable<std::string> after_a_failure(chunks_fn parallel_chunks, probe& p,
                                            const std::vector<double>& data);

}  // namespace parallel_chunks_harness
