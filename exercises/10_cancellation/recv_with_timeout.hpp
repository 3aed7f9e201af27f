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

inline net::awaitable<std::optional<int>> recv_with_timeout(
    message_channel& ch, std::chrono::steady_clock::duration d) {
  // TODO: race a receive on `ch` against a timer of `d`, in a way that
  //       tells you how *both* ended, and let the receive's own result
  //       decide whether you got a message.
  co_return lunch::todo<std::optional<int>>(
      "recv_with_timeout: the next message, or nullopt after d, and never lose one");
}
