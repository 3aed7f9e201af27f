// Exercise 04_semaphores/fetch_limited
//
// The talk's loop: for each item, take a permit (waiting while K are out),
// spawn a task that owns the permit, and let the task give it back when it
// ends. The loop itself slows down to the pace of the work: back-pressure.
//
// Fetch every URL with `lunch::http_get`, at most `limit` at a time. Parts
// you have:
//   - a `net::experimental::concurrent_channel<void(boost::system::error_code)>`
//     with room for `limit` tokens is a semaphore: a send takes a permit
//     (waiting while all are out), a `try_receive` gives one back;
//   - `net::co_spawn(ex, lunch::http_get(url), handler)` runs one GET as a
//     task of its own and calls `handler(std::exception_ptr, lunch::http_response)`
//     when it ends, however it ends;
//   - when all `limit` permits are back in your hands, no task is running.
//
// Done when:
//   - the server never sees more than `limit` requests at once, and sees
//     exactly `limit` at the busiest moment when there are many more URLs;
//   - a slow request holds up only its own slot: when any request ends,
//     the next one starts at once;
//   - the responses are in the order of `urls`, whatever order they end in;
//   - it returns once every request has ended, and a failed GET is
//     rethrown (the first one), not lost.
//
// Pitfall: chunks (start `limit` requests, wait for all of them, start the
// next `limit`) never exceed the limit either, but each chunk waits for its
// slowest request while the other slots sit idle.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "lunch/http.hpp"
#include "lunch/todo.hpp"

namespace net = boost::asio;

// SOLUTION: what the spawned tasks share. It lives in a shared_ptr that
// every task's completion handler holds, so it outlives the tasks even if
// this coroutine is cancelled while they run (Tokio's 'static + Arc).
struct fetch_batch {
  net::experimental::concurrent_channel<void(boost::system::error_code)> permits;
  std::vector<lunch::http_response> responses;
  std::vector<std::exception_ptr> errors;
  fetch_batch(net::any_io_executor ex, std::size_t limit, std::size_t n)
      : permits(std::move(ex), limit), responses(n), errors(n) {}
};

// GETs every URL, never more than `limit` (>= 1) at once, and returns the
// responses in the order of `urls`.
// [slide:fetch_limited]
inline net::awaitable<std::vector<lunch::http_response>> fetch_limited(
    std::vector<std::string> urls, std::size_t limit) {
  auto ex = co_await net::this_coro::executor;
  auto batch = std::make_shared<fetch_batch>(ex, limit, urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    // SOLUTION: acquire before spawning. With `limit` GETs out, this waits
    // until one ends: never more than `limit` tasks exist at once.
    co_await batch->permits.async_send(boost::system::error_code{}, net::use_awaitable);
    // SOLUTION: each task writes only its own slot (i), so the order of the
    // results is the order of the URLs. The permit goes back last, after
    // the writes, so whoever takes it next sees them.
    net::co_spawn(ex, lunch::http_get(std::move(urls[i])),
                  [batch, i](std::exception_ptr e, lunch::http_response r) {
                    batch->responses[i] = std::move(r);
                    batch->errors[i] = e;
                    batch->permits.try_receive([](boost::system::error_code) {});
                  });
  }
  // SOLUTION: join by taking every permit back: once all `limit` are ours,
  // every task has ended.
  for (std::size_t k = 0; k < limit; ++k)
    co_await batch->permits.async_send(boost::system::error_code{}, net::use_awaitable);
  for (auto& e : batch->errors)
    if (e) std::rethrow_exception(e);
  co_return std::move(batch->responses);
}
// [/slide]

// Another way: acquire inside the task. Make every GET a coroutine that
// first takes a permit, then fetches (an RAII permit gives it back), and
// join them all with a ranged `make_parallel_group(...).async_wait(
// wait_for_all(), use_awaitable)`, which returns the results in input
// order. All N tasks exist from the start and K of them run; the caller's
// loop never waits. Or start K workers that each take the next index from
// a shared counter until none is left: no semaphore at all.
