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
  auto ex = co_await net::this_coro::executor;
  net::steady_timer timer(ex, d);
  // SOLUTION: a parallel group with wait_for_one() ends when the first of
  // the two ends, whether it succeeded or failed, cancels the other, waits
  // for it, and hands back how *each* ended: nothing is swallowed. co_spawn
  // with `deferred` turns the awaitable into an operation the group can
  // start; its completion carries the coroutine's exception_ptr.
  auto group = net::experimental::make_parallel_group(
      net::co_spawn(ex, std::move(op), net::deferred), timer.async_wait(net::deferred));
  if constexpr (std::is_void_v<T>) {
    auto [order, error, timer_ec] =
        co_await group.async_wait(net::experimental::wait_for_one(), net::use_awaitable);
    if (!error) co_return;
    // SOLUTION: the timer finished first and was not itself cancelled: the
    // deadline passed, and the error is the cancellation we caused.
    if (order[0] == 1 && !timer_ec)
      throw boost::system::system_error(net::error::timed_out, "with_deadline");
    std::rethrow_exception(error);  // its own failure, or a cancel from outside
  } else {
    auto [order, error, value, timer_ec] =
        co_await group.async_wait(net::experimental::wait_for_one(), net::use_awaitable);
    // SOLUTION: a value wins even in a tie with the deadline: it was
    // produced, and throwing it away is how messages get lost.
    if (!error) co_return std::move(value);
    if (order[0] == 1 && !timer_ec)
      throw boost::system::system_error(net::error::timed_out, "with_deadline");
    std::rethrow_exception(error);
  }
}

// Another way: keep `||`, but make the operation's side always "succeed":
// wrap it in a coroutine that catches its exception and returns a small
// struct {optional value; exception_ptr error;}, and race that against
// `timer.async_wait(net::as_tuple(net::use_awaitable))`. Then the side that
// ends first wins, whatever happened. It has three catches, which is why
// the group is the idiom: not a std::variant for the wrapper's result
// (`||` flattens a variant operand into its own variant and shifts the
// indices); a timer side that wins *with an error* means the caller itself
// was cancelled, not a timeout; and catch net::multiple_exceptions around
// the `||` all the same.
