// Exercise 05_channels/broadcast
//
// A broadcast hands every value to every subscriber: a shutdown notice to
// every worker, a price to every open screen. Tokio's
// `broadcast::channel(capacity)` never makes the sender wait. It keeps the
// last `capacity` values, and a subscriber that falls further behind loses
// the oldest ones, but it is not left to guess: its next receive reports how
// many it missed (`RecvError::Lagged(n)`), and the one after continues with
// the oldest value still kept.
//
// Number the values 0, 1, 2, ... as they are sent. The broadcast keeps a
// window of the last `capacity` of them (`kept_`, and `first_`, the number
// of kept_.front()); a subscriber remembers only `next_`, the number of the
// value it wants next. That is the whole state. Waiting is written for you:
// wait_for_send() returns after the next send().
//
// This broadcast is for one thread (or one strand), like
// `net::experimental::channel`: nothing in it is locked.
//
// Done when:
//   - every subscriber receives every value, in the order sent, whether the
//     values were sent before it asked or while it waited;
//   - a subscriber more than `capacity` values behind gets `lagged` holding
//     the number it missed, and then the oldest value still kept;
//   - a subscriber receives only values sent after it subscribed;
//   - send() never waits, and never runs a subscriber inside send().
//
// Pitfall: one queue that subscribers take values out of is a work queue,
// not a broadcast: each value would reach only one of them.
#pragma once

#include <boost/asio.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// What receive() throws when values were dropped before this subscriber
// read them. The next receive() returns the oldest value still kept.
class lagged : public std::runtime_error {
 public:
  explicit lagged(std::uint64_t missed)
      : std::runtime_error("broadcast: the subscriber fell behind and missed " +
                           std::to_string(missed) + " value(s)"),
        missed(missed) {}
  std::uint64_t missed;
};

template <class T>
class broadcast {
 public:
  class subscriber {
   public:
    // The next value, waiting until one is sent. Throws lagged when values
    // were dropped before this subscriber read them.
    net::awaitable<T> receive() {
      // TODO: compare next_ with the window: gone, here, or not sent yet?
      co_return lunch::todo<T>(
          "broadcast::subscriber::receive: the next value for this subscriber");
    }

   private:
    friend class broadcast;
    subscriber(broadcast* b, std::uint64_t next) : b_(b), next_(next) {}
    broadcast* b_;        // the broadcast must outlive its subscribers
    std::uint64_t next_;  // the number of the value this one reads next
  };

  // `capacity` (at least 1): how many of the latest values are kept.
  broadcast(net::any_io_executor ex, std::size_t capacity)
      : capacity_(capacity), sent_(std::move(ex), net::steady_timer::time_point::max()) {}
  broadcast(const broadcast&) = delete;
  broadcast& operator=(const broadcast&) = delete;

  // A new subscriber, which will receive the values sent from now on.
  subscriber subscribe() {
    // TODO: where does a new subscriber start reading?
    return lunch::todo<subscriber>(
        "broadcast::subscribe: a subscriber of the values to come");
  }

  // Hands `value` to every subscriber. Never waits: once `capacity` values
  // are kept, the oldest is dropped.
  void send(T value) {
    // TODO: keep the value, drop the oldest beyond capacity_, wake the waiters.
    lunch::todo("broadcast::send: keep the value and wake the subscribers");
  }

 private:
  // Waiting, written for you. Asio has no condition variable, but on one
  // thread a timer that never expires is one: waiters wait on it, and
  // cancel() wakes them all (later, from their executors, never inside
  // cancel()). as_tuple: a cancelled wait is the wake-up, not an error.
  net::awaitable<void> wait_for_send() {
    co_await sent_.async_wait(net::as_tuple(net::use_awaitable));
  }
  void wake_subscribers() { sent_.cancel(); }

  std::size_t capacity_;
  std::deque<T> kept_;        // the last values sent, oldest first
  std::uint64_t first_ = 0;   // the number of kept_.front()
  net::steady_timer sent_;    // see wait_for_send()
};

