// Exercise 05_channels/watch
//
// A watch holds one value that changes now and then (a setting, the current
// leader, a progress figure) and lets any number of receivers follow it.
// A receiver wants the latest value, not every one in between, and to sleep
// until there is a newer one. Tokio's `watch::channel(initial)`:
// `rx.borrow()` reads the current value; `rx.changed().await` waits until a
// value newer than the last one this receiver saw is sent, and marks it
// seen; it fails once the sender is gone.
//
// A version number does it. Every send bumps it; each receiver remembers
// the version it has seen. changed() returns at once if the two differ, and
// otherwise waits for a send (or for the sender to go) and looks again.
//
// Asio has no condition variable, but on one thread a `net::steady_timer`
// set to expire at `time_point::max()` is one: waiters co_await its
// async_wait (through `net::as_tuple`, since a cancelled wait completes with
// an error), and `cancel()` wakes every one of them, later, from their own
// executors, never inside cancel(). Like `experimental::channel`, this watch
// is for one thread or one strand.
//
// Done when:
//   - borrow() gives the latest value sent;
//   - changed() returns true at once when a value newer than the one this
//     receiver saw is there; else it waits until one is sent;
//   - a receiver that has seen the latest value waits in changed(): no
//     spurious wake-ups, also after several sends it saw as one change;
//   - every waiting receiver wakes on a send, none inside send();
//   - once the sender is destroyed, changed() returns false, at once or
//     while waiting, after the receiver has seen the last value.
//
// Pitfall: counting sends instead of comparing versions makes changed()
// return once per send, so it wakes again after the receiver already has
// the latest value.
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <memory>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// What the sender and its receivers share; make_watch() creates it.
template <class T>
struct watch_state {
  watch_state(net::any_io_executor ex, T initial)
      : value(std::move(initial)), changes(std::move(ex), net::steady_timer::time_point::max()) {}

  T value;
  std::uint64_t version = 0;  // bumped by every send()
  bool sender_gone = false;
  // SOLUTION: the condition variable: receivers wait on it, and cancel()
  // wakes them all. One timer serves any number of receivers.
  net::steady_timer changes;
};

template <class T>
class watch_receiver {
 public:
  // A receiver starts out having seen the value that is current now.
  explicit watch_receiver(std::shared_ptr<watch_state<T>> s)
      : s_(std::move(s)), seen_(s_->version) {}
  // Copies are independent receivers that have seen what this one has.

  // The latest value. Does not mark it seen.
  T borrow() const { return s_->value; }

  // Waits for a value newer than the last one this receiver saw and marks
  // it seen: true. False once the sender is gone and nothing new is left.
  net::awaitable<bool> changed() {
    for (;;) {
      // SOLUTION: the version, not a count of wake-ups: three sends while
      // we were away are one change, and after it we are up to date.
      if (seen_ != s_->version) {
        seen_ = s_->version;
        co_return true;
      }
      // Checked second, like Tokio: a last value sent just before the
      // sender went is still reported.
      if (s_->sender_gone) co_return false;
      // A wake-up only says "look again".
      co_await s_->changes.async_wait(net::as_tuple(net::use_awaitable));
    }
  }

 private:
  std::shared_ptr<watch_state<T>> s_;
  std::uint64_t seen_;
};

template <class T>
class watch_sender {
 public:
  explicit watch_sender(std::shared_ptr<watch_state<T>> s) : s_(std::move(s)) {}
  watch_sender(watch_sender&&) noexcept = default;
  watch_sender& operator=(watch_sender&&) = delete;

  ~watch_sender() {
    // SOLUTION: the moved-from sender has no state and nothing to say.
    if (!s_) return;
    s_->sender_gone = true;
    s_->changes.cancel();
  }

  // Replaces the value and wakes every receiver waiting in changed().
  void send(T value) {
    // SOLUTION: cancel() posts every waiter's wake-up and returns; nobody
    // runs before send() is over.
    s_->value = std::move(value);
    ++s_->version;
    s_->changes.cancel();
  }

  // A new receiver, which has seen the current value.
  watch_receiver<T> subscribe() const { return watch_receiver<T>(s_); }

 private:
  std::shared_ptr<watch_state<T>> s_;
};

// A watch starting at `initial`: `auto [tx, rx] = make_watch(ex, 1);`
template <class T>
std::pair<watch_sender<T>, watch_receiver<T>> make_watch(net::any_io_executor ex, T initial) {
  auto s = std::make_shared<watch_state<T>>(std::move(ex), std::move(initial));
  return {watch_sender<T>(s), watch_receiver<T>(s)};
}

// Another way: instead of one timer, give each receiver its own
// experimental::channel<void(error_code)> with room for one message as its
// wake-up; send() try_sends into every one. Keep the version all the same:
// a receiver that was woken by the first of three sends finds the second
// one's wake-up still in its channel later, and only the version tells it
// that this is nothing new.
