// Exercise 10_cancellation/recv_with_timeout
//
// Tokio's docs mark each operation "cancel safe" or not: may it lose data if
// it loses a `select!`? In Asio 1.81, as still in 1.89, a channel receive
// inside `||` is not cancel safe. When the message and the deadline land in
// the same turn of the event loop, the channel has already handed the
// message to the receive, `||` has already picked the timer, and the
// message is dropped with the loser's result. Nobody gets an error; a
// message is just gone.
//
// Write `recv_with_timeout(ch, d)`: the next message from `ch`, or
// std::nullopt when none came within `d`.
//
// Done when:
//   - a message that is waiting, or arrives before the deadline, is
//     returned at once;
//   - with none, it returns std::nullopt, no earlier than `d`, and leaves
//     nothing behind: a message sent afterwards goes to the next call;
//   - a message that arrives in the very turn the deadline passes is never
//     lost: this call returns it, or, if this one timed out, the next one;
//   - d == 0 is allowed (a poll that still waits for one turn of the loop).
//
// Pitfall: `co_await (ch.async_receive(...) || timer.async_wait(...))`
// passes the first two bullets and loses the message in the third.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <chrono>
#include <optional>

#include "lunch/todo.hpp"

namespace net = boost::asio;

using message_channel = net::experimental::channel<void(boost::system::error_code, int)>;

// [slide:recv_with_timeout]
inline net::awaitable<std::optional<int>> recv_with_timeout(
    message_channel& ch, std::chrono::steady_clock::duration d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  // SOLUTION: the group keeps both results. In a tie the timer may well be
  // first in `order`, and the receive has still completed with a message.
  auto [order, ec, message, timer_ec] =
      co_await net::experimental::make_parallel_group(ch.async_receive(net::deferred),
                                                      timer.async_wait(net::deferred))
          .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
  // SOLUTION: so the receive's own result decides, not who came first.
  if (!ec) co_return message;
  // The deadline passed and our receive was withdrawn from the channel
  // (wait_for_one cancelled it): no message was taken.
  if (order[0] == 1 && !timer_ec) co_return std::nullopt;
  throw boost::system::system_error(ec);  // the channel closed, or we were cancelled
}
// [/slide]

// Another way: receive outside the race. One long-lived task receives
// from the channel, forever, and stores each message where the consumer can
// look (a deque plus a timer used as a condition variable); the consumer then
// races only "the deque is not empty" against its deadline, and a lost race
// loses nothing, because the message already sits in the deque. It is the
// Tokio advice for a receive that is not cancel safe: keep it out of
// `select!`, or make its loss harmless.
