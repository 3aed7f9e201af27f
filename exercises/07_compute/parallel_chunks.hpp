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

template <class Work, class R = std::invoke_result_t<Work&, std::span<const double>>>
net::awaitable<std::vector<R>> parallel_chunks(net::any_io_executor pool,
                                               std::span<const double> data,
                                               std::size_t chunk_size,
                                               std::size_t max_in_flight, Work work) {
  // TODO: run work(chunk) for every chunk on `pool`, with never more than
  //       max_in_flight of them handed over and unfinished at a time.
  co_return lunch::todo<std::vector<R>>("parallel_chunks: compute the chunks on the pool, at most max_in_flight at a time");
}
