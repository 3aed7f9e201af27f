// Exercise 07_compute/parallel_chunks
//
// To put every core to work on one big computation, cut the input into
// chunks and hand them to a pool: rayon's `par_chunks`. Handing them all
// over at once is easy, and wrong at scale: a net::thread_pool queues
// without limit, so a million chunks make a million waiting closures,
// each holding what it needs, while the pool gets through them a few at a
// time. Keep at most `max_in_flight` chunks queued or running, and hand
// over the next one when one is done.
//
// Write `parallel_chunks(pool, data, chunk_size, max_in_flight, work)`:
// apply `work` to each chunk of `data` (`chunk_size` elements each, the
// last one possibly shorter) on `pool`, and return the results in chunk
// order. `work` may be called from several threads at once; `data` belongs
// to the caller, who awaits the result before letting it go.
//
// Done when:
//   - results[i] is work(chunk i), whatever order the chunks finished in;
//   - every chunk runs exactly once, on one of `pool`'s threads;
//   - never more than `max_in_flight` chunks are queued or running at
//     once, and that many are whenever there is enough work;
//   - when a chunk throws, no further chunks start, and parallel_chunks
//     throws that same exception once no chunk is running any more;
//   - empty data gives an empty result.
//
// Pitfall: a limit must be used, not only respected. Handing the chunks
// over one at a time never exceeds the limit either, and uses one core.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <span>
#include <type_traits>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// SOLUTION: a worker takes the next chunk number, computes that chunk,
// keeps its result, and goes on until no chunk is left or one has failed.
// K workers means at most K chunks handed over at any moment: the pool's
// queue never holds more than the workers. Workers on different threads
// share `next` and `failed`, hence
// the atomics; each result slot is written by one worker only.
template <class Work, class R>
net::awaitable<void> chunk_worker(std::span<const double> data, std::size_t chunk_size,
                                  Work& work, std::vector<R>& results,
                                  std::atomic<std::size_t>& next,
                                  std::atomic<bool>& failed) {
  for (std::size_t i = next++; i < results.size() && !failed; i = next++) {
    const std::size_t from = i * chunk_size;
    try {
      results[i] = work(data.subspan(from, std::min(chunk_size, data.size() - from)));
    } catch (...) {
      failed = true;  // the other workers stop after their current chunk
      throw;
    }
  }
  co_return;
}

template <class Work, class R = std::invoke_result_t<Work&, std::span<const double>>>
net::awaitable<std::vector<R>> parallel_chunks(net::any_io_executor pool,
                                               std::span<const double> data,
                                               std::size_t chunk_size,
                                               std::size_t max_in_flight, Work work) {
  const std::size_t chunks = (data.size() + chunk_size - 1) / chunk_size;
  std::vector<R> results(chunks);
  if (chunks == 0) co_return results;  // a group of nothing never completes
  std::atomic<std::size_t> next = 0;
  std::atomic<bool> failed = false;

  // SOLUTION: min(K, chunks) workers on the pool, awaited as one group (the
  // join of chapter 02). They all refer to this frame's locals: fine, since
  // wait_for_all returns only when every worker has finished.
  using worker = decltype(net::co_spawn(
      pool, chunk_worker(data, chunk_size, work, results, next, failed), net::deferred));
  std::vector<worker> workers;
  for (std::size_t k = 0; k < std::min(max_in_flight, chunks); ++k)
    workers.push_back(net::co_spawn(
        pool, chunk_worker(data, chunk_size, work, results, next, failed), net::deferred));
  auto [order, errors] =
      co_await net::experimental::make_parallel_group(std::move(workers))
          .async_wait(net::experimental::wait_for_all(), net::use_awaitable);
  for (std::size_t w : order)
    if (errors[w]) std::rethrow_exception(errors[w]);  // the first to fail
  co_return results;
}

// Another way, Tokio's: one task per chunk, each started only after taking
// a permit from a semaphore of K (chapter 04; here a concurrent_channel of
// capacity K), the permit given back when its chunk is done. Same bound,
// more bookkeeping: every chunk is a task, and the results come back
// through their completion handlers.
