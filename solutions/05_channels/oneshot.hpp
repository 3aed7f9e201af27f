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
  // SOLUTION: the value waits in the state, not in the channel, so nothing
  // can lose it; the channel only says "look again".
  explicit oneshot_state(net::any_io_executor ex) : wake(std::move(ex), 1) {}

  std::mutex m;  // guards value and sender_gone
  std::optional<T> value;
  bool sender_gone = false;
  net::experimental::concurrent_channel<void(boost::system::error_code)> wake;
};

template <class T>
class oneshot_sender {
 public:
  explicit oneshot_sender(std::shared_ptr<oneshot_state<T>> s) : s_(std::move(s)) {}
  oneshot_sender(oneshot_sender&&) noexcept = default;  // the moved-from one is used up
  oneshot_sender& operator=(oneshot_sender&&) = delete;

  ~oneshot_sender() {
    // SOLUTION: after a send (or a move) s_ is empty: nothing to report.
    if (!s_) return;
    {
      std::lock_guard lock(s_->m);
      s_->sender_gone = true;
    }
    s_->wake.try_send(boost::system::error_code{});
  }

  // Sends the value and uses the sender up, like Tokio's `send(self, v)`:
  // write `std::move(tx).send(v)`. Throws std::logic_error if this sender
  // has already sent.
  void send(T value) && {
    // SOLUTION: letting go of the shared state is what "used up" means: a
    // second send finds nothing to send on, and the destructor has nothing
    // to report.
    if (!s_) throw std::logic_error("oneshot: this sender has already sent its value");
    {
      std::lock_guard lock(s_->m);
      s_->value.emplace(std::move(value));
    }
    // Outside the lock: the receiver resumes elsewhere anyway. If the box
    // is already full, one wake-up is as good as two.
    s_->wake.try_send(boost::system::error_code{});
    s_.reset();
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
    for (;;) {
      {
        // SOLUTION: the state first. The value (or the news that none is
        // coming) may be there already; a wake-up only says "look again".
        std::lock_guard lock(s_->m);
        if (s_->value) {
          T v = std::move(*s_->value);
          s_->value.reset();
          co_return v;
        }
        if (s_->sender_gone) throw oneshot_closed();
      }
      // as_tuple: a cancelled wait comes back as an error code, so that we
      // can mend the channel before passing the cancellation on.
      auto [ec] = co_await s_->wake.async_receive(net::as_tuple(net::use_awaitable));
      if (ec) {
        // Boost 1.81 (#1241): a cancelled receive leaves the channel
        // refusing try_send until the next receive starts waiting. A
        // sender on another thread in that gap would wake nobody. From
        // 1.82 on, the reset() is not needed; it does no harm.
        s_->wake.reset();
        throw boost::system::system_error(ec);
      }
    }
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

// Another way: let the channel carry the value itself,
// `concurrent_channel<void(error_code, T)>` of capacity 1: send() is one
// try_send, and the destructor of a sender that never sent calls close()
// (never after a send: in 1.81, close() throws away a message still in the
// channel; from 1.82 on, the receiver still gets it). It is shorter and
// right from Boost 1.82 on. In 1.81 a value sent after a cancelled receive
// is lost (the try_send fails, #1241). In every version up to 1.89 the
// payload must be default-constructible.
