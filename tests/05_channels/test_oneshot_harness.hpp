// The half of test_oneshot.cpp that does not depend on the exercise: the
// receivers, senders and scenarios for a oneshot of int, compiled once with
// the course. The learner's oneshot comes in behind the small interface below.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>

namespace oneshot_harness {

namespace net = boost::asio;

// oneshot_sender<int>: send() is `std::move(tx).send(value)`; destroying it
// destroys the learner's sender.
struct sender {
  virtual ~sender() = default;
  virtual void send(int value) = 0;
};
// oneshot_receiver<int>: receive() is the learner's own coroutine.
struct receiver {
  virtual ~receiver() = default;
  virtual net::awaitable<int> receive() = 0;
};
// make_oneshot<int>(ex), in the same order: `auto [tx, rx] = make(ex);`
struct ends {
  std::unique_ptr<sender> tx;
  std::unique_ptr<receiver> rx;
};
using make_oneshot_fn = std::function<ends(net::any_io_executor)>;
// Whether an exception is the exercise's oneshot_closed.
using is_closed_fn = std::function<bool(std::exception_ptr)>;

// How one receive() ended, seen by a task waiting on it.
struct outcome {
  bool finished = false;
  int value = -1;
  std::string thrown = "nothing";
  bool ran_inside_send = false;
};
// "returned 42" or "threw <the exception>", for a failure message.
std::string value_or_exception(const outcome& out);

// A receiver waits; once it has had its chance to run, `before_send` looks at
// it (nothing was sent yet); then 42 is sent.
net::awaitable<void> receive_while_sent(make_oneshot_fn make, outcome& out,
                                        std::function<void(const outcome&)> before_send);

// The sender is destroyed unsent while the receiver waits.
net::awaitable<void> sender_dropped_while_waiting(make_oneshot_fn make, outcome& out);
// The sender is destroyed unsent, then the receiver waits.
net::awaitable<void> sender_dropped_before_waiting(make_oneshot_fn make, outcome& out);
// The sender sends 7 and is destroyed, then the receiver waits.
net::awaitable<void> sender_dropped_after_sending(make_oneshot_fn make, outcome& out);

struct two_sends {
  std::string second = "nothing";  // what the second send() threw
  int received = -1;
};
// Sends 1, then 2, then receives.
net::awaitable<void> send_twice(make_oneshot_fn make, two_sends& r);

struct after_cancel {
  std::string cancelled = "not finished";  // how the cancelled receive ended
  int later = -1;                          // what a later receive got
};
// A waiting receive() is cancelled; then 5 is sent and received again.
net::awaitable<void> cancel_then_receive(make_oneshot_fn make, after_cancel& r);

// A receiver waits 200 ms for the value 3: what it got.
net::awaitable<int> slow_sender(make_oneshot_fn make);

struct tally {
  std::atomic<int> values{0};  // the right value arrived
  std::atomic<int> closed{0};  // oneshot_closed, for a sender dropped unsent
  std::atomic<int> wrong{0};   // anything else
};
// 4 tasks x 2500 oneshots, the senders posted to the event loop (every third
// dropped unsent) while the receivers wait.
net::awaitable<void> many_round_trips(make_oneshot_fn make, is_closed_fn is_closed, tally& t);

}  // namespace oneshot_harness
