// Exercise 10_cancellation/with_deadline
//
// Tokio's `timeout(d, fut).await` gives `Ok(value)`, or `Err(Elapsed)` when
// the deadline passed first. The Asio one-liner that looks the same,
// `co_await (std::move(op) || timer.async_wait(net::use_awaitable))`, lies
// in Boost 1.81, as still in 1.89: `||` cancels the other side only when
// one side *succeeds*. An operation that fails at 5 ms does not stop the
// timer, its error is dropped, and at the deadline you are told "timed
// out".
//
// Write `with_deadline(op, d)`: run `op`, give up after `d`.
//
// Done when:
//   - the operation's value (or, for awaitable<void>, its completion) comes
//     back as soon as it finishes, long before the deadline;
//   - an operation that fails early rethrows its own exception, at once;
//   - past the deadline it throws boost::system::system_error with code()
//     == net::error::timed_out, no earlier than `d`;
//   - by then the operation was cancelled and has finished, async cleanup
//     included;
//   - cancelled from outside, it throws system_error(operation_aborted)
//     (not net::multiple_exceptions, not timed_out), once the operation has
//     finished;
//   - all of that for awaitable<void> and for awaitable<T>.
//
// Pitfall: a bare `||` passes the first bullet and fails the others.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <chrono>
#include <exception>
#include <type_traits>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class T>
net::awaitable<T> with_deadline(net::awaitable<T> op, std::chrono::steady_clock::duration d) {
  // TODO: start `op` and a timer of `d` together; when the first of them
  //       ends, the other must be cancelled and waited for. Then decide from
  //       how *each* ended: the operation's value, its exception, or
  //       timed_out.
  co_return lunch::todo<T>("with_deadline: run op, but give up with timed_out after d");
}
