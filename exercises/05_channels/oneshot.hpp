// Exercise 05_channels/oneshot
//
// A oneshot carries exactly one value from one task to another: a job's
// result handed back to whoever waits for it. Tokio's `oneshot::channel()`
// gives a sender and a receiver; `tx.send(v)` uses the sender up, and
// `rx.await` waits for the value. It is std::promise and std::future
// without the blocking.
//
// The case that matters is the one where nothing is sent: the sending task
// threw, or returned early, and its sender was destroyed. Tokio's receiver
// then gets an error. A receiver that waits forever instead turns one bug
// into a hang that nobody can explain.
//
// Three facts to build it from:
//   - the value and a "sender gone" flag can sit in a small state under a
//     std::mutex that is held for a few lines, never across a co_await;
//   - a `net::experimental::concurrent_channel<void(boost::system::error_code)>`
//     with room for one message is a wake-up box: `try_send` drops a
//     wake-up in without waiting, from any thread, and it stays there until
//     `async_receive` takes it, so a wake-up sent before the receiver
//     starts waiting is not lost; the receiver resumes later, on its own
//     executor, never inside try_send;
//   - Boost 1.81 trap: after an async_receive on a buffered channel is
//     cancelled, try_send fails until the channel is `reset()`
//     (asio issue #1241, fixed in Boost 1.82).
//
// Done when:
//   - the value sent is the value received, whether it was sent before or
//     after the receiver started waiting (a move-only value too);
//   - a sender destroyed without sending makes receive() throw
//     oneshot_closed, at once or while it waits, instead of hanging;
//   - a sender destroyed after sending still delivers its value;
//   - a second send() throws std::logic_error, and the first value stays;
//   - a cancelled receive() ends with a cancellation error, not
//     oneshot_closed, and a later receive() still gets the value;
//   - the sender may be used (or destroyed) on another thread;
//   - send() never runs the receiver inside send().
//
// Pitfall: look at the state before you wait, not only after a wake-up:
// the value may have come before the receiver did.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// What receive() throws when the sender is gone and sent nothing.
class oneshot_closed : public std::runtime_error {
 public:
  oneshot_closed()
      : std::runtime_error("oneshot: the sender was destroyed without sending a value") {}
};

// What the two ends share; make_oneshot() creates it.
template <class T>
struct oneshot_state {
  explicit oneshot_state(net::any_io_executor ex) : ex(std::move(ex)) {}

  // TODO: what the two ends share. An executor is all you start with.
  net::any_io_executor ex;
};

template <class T>
class oneshot_sender {
 public:
  explicit oneshot_sender(std::shared_ptr<oneshot_state<T>> s) : s_(std::move(s)) {}
  oneshot_sender(oneshot_sender&&) noexcept = default;  // the moved-from one is used up
  oneshot_sender& operator=(oneshot_sender&&) = delete;

  ~oneshot_sender() {
    // TODO: a sender that goes away without sending must not leave the
    //       receiver waiting forever. (A moved-from sender has s_ empty.)
  }

  // Sends the value and uses the sender up, like Tokio's `send(self, v)`:
  // write `std::move(tx).send(v)`. Throws std::logic_error if this sender
  // has already sent.
  void send(T value) && {
    // TODO: hand the value over without waiting, wake the receiver, and
    //       use this sender up.
    lunch::todo("oneshot_sender::send: hand the value to the receiver");
  }

 private:
  std::shared_ptr<oneshot_state<T>> s_;
};

template <class T>
class oneshot_receiver {
 public:
  explicit oneshot_receiver(std::shared_ptr<oneshot_state<T>> s) : s_(std::move(s)) {}

  // Waits for the value. Throws oneshot_closed if the sender was destroyed
  // without sending.
  net::awaitable<T> receive() {
    // TODO: wait for the value without blocking the thread. A sender that
    //       went away without sending is an error, not a reason to wait on.
    co_return lunch::todo<T>("oneshot_receiver::receive: wait for the value");
  }

 private:
  std::shared_ptr<oneshot_state<T>> s_;
};

// The two ends of a new oneshot: `auto [tx, rx] = make_oneshot<int>(ex);`
template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> make_oneshot(net::any_io_executor ex) {
  auto s = std::make_shared<oneshot_state<T>>(std::move(ex));
  return {oneshot_sender<T>(s), oneshot_receiver<T>(s)};
}

