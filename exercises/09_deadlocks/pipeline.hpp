// Exercise 09_deadlocks/pipeline  (fix the bug)
//
// Numbers go through a bounded `jobs` queue to a few workers, which square
// them and put the squares in a bounded `results` queue. pipeline() feeds
// every input first and only then starts reading results. With a few
// inputs all is well. With more inputs than the queues and workers can
// hold, the workers stop on a full `results` queue that nobody reads, so
// they stop taking jobs, so the feeder stops on a full `jobs` queue, and
// the reading never starts.
//
// Done when:
//   - pipeline() finishes for any number of inputs: none, one, and a
//     thousand through queues of capacity 2 (the tests name a deadlock
//     within seconds);
//   - sink() gets the square of every input, once each (in any order);
//   - the queues stay bounded: at no moment are more than
//     2 x capacity + workers + 2 inputs taken from source() and not yet
//     handed to sink().
//
// Pitfall: bigger (or unbounded) queues only move the deadlock to a bigger
// input, or trade it for unbounded memory.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

namespace net = boost::asio;

struct item {
  int value = 0;
  bool last = false;  // "no more from me"
};
using queue = net::experimental::channel<void(boost::system::error_code, item)>;

// Squares jobs until it is told to stop, then says it is done. The queues
// are shared_ptrs: a spawned coroutine must own what it uses.
inline net::awaitable<void> square_worker(std::shared_ptr<queue> jobs,
                                          std::shared_ptr<queue> results) {
  for (;;) {
    const item job = co_await jobs->async_receive(net::use_awaitable);
    if (job.last) break;
    co_await results->async_send({}, item{job.value * job.value}, net::use_awaitable);
  }
  co_await results->async_send({}, item{0, true}, net::use_awaitable);
}

// A spawned task's exception must not vanish (`detached` would drop it):
// rethrown here, it leaves the event loop's run() and reaches its caller.
inline void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

// Squares every number source() gives (until it gives nullopt) on
// `workers` workers, and hands each square to sink().
inline net::awaitable<void> pipeline(std::function<std::optional<int>()> source,
                                     std::function<void(int)> sink,
                                     std::size_t capacity, int workers) {
  auto ex = co_await net::this_coro::executor;
  auto jobs = std::make_shared<queue>(ex, capacity);
  auto results = std::make_shared<queue>(ex, capacity);
  for (int w = 0; w < workers; ++w) net::co_spawn(ex, square_worker(jobs, results), rethrow);

  // TODO: all the feeding happens before any reading.
  while (std::optional<int> x = source())
    co_await jobs->async_send({}, item{*x}, net::use_awaitable);
  for (int w = 0; w < workers; ++w)
    co_await jobs->async_send({}, item{0, true}, net::use_awaitable);

  for (int done = 0; done < workers;) {
    const item r = co_await results->async_receive(net::use_awaitable);
    if (r.last) ++done; else sink(r.value);
  }
}
