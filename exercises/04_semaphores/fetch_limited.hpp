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

// GETs every URL, never more than `limit` (>= 1) at once, and returns the
// responses in the order of `urls`.
inline net::awaitable<std::vector<lunch::http_response>> fetch_limited(
    std::vector<std::string> urls, std::size_t limit) {
  // TODO: take a permit before starting each GET, give it back when that GET
  //       ends, and wait until all have ended before returning.
  co_return lunch::todo<std::vector<lunch::http_response>>(
      "fetch_limited: fetch every URL with at most `limit` requests in flight");
}
