// The half of test_recv_with_timeout.cpp that does not depend on the
// exercise: the senders and the scenarios, among them the race of a message
// against a deadline. It is compiled once, with the course, so that `lunch
// check recv_with_timeout` compiles only the test cases and the learner's
// file. The function under test comes in as a plain function.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

namespace recv_with_timeout_harness {

namespace net = boost::asio;
using clock_type = std::chrono::steady_clock;

// The exercise's message_channel.
using channel = net::experimental::channel<void(boost::system::error_code, int)>;
// The code under test: recv_with_timeout(ch, d).
using recv_fn = std::function<net::awaitable<std::optional<int>>(channel&, clock_type::duration)>;

struct received {
  std::optional<int> message;
  double took_ms = 0;
};

// A message already in the channel, then recv_with_timeout(1 s).
net::awaitable<received> already_waiting(recv_fn recv_with_timeout);
// recv_with_timeout(2 s) on a rendezvous channel, a message sent at 10 ms.
net::awaitable<received> arrives_in_time(recv_fn recv_with_timeout);

struct nothing_then_later {
  received first, second;
};
// Nothing within 30 ms; then a message sent 10 ms later must reach the next
// call (500 ms): a receive left pending by the first call would swallow it.
net::awaitable<nothing_then_later> times_out_then_receives(recv_fn recv_with_timeout);

struct race_counts {
  int rounds = 0, sent = 0, in_the_race = 0, next_call = 0;
  int lost() const { return sent - in_the_race - next_call; }
};
// `rounds` rounds: a sender timer that is already due is armed, then
// recv_with_timeout(ch, 0), so the message and the deadline land in the same
// turn. A message the racing call missed must reach the next call.
net::awaitable<void> races(recv_fn recv_with_timeout, std::size_t capacity, int rounds,
                           race_counts& c);

}  // namespace recv_with_timeout_harness
