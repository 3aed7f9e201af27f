// The half of test_cleanup_after_cancel.cpp that does not depend on the
// exercise: the slow peer, the pool of permits and the three ways the
// worker's run ends. It is compiled once, with the course, so that `lunch
// check cleanup_after_cancel` compiles only the test cases and the learner's
// file. The worker comes in as a plain function.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace cleanup_after_cancel_harness {

namespace net = boost::asio;
using ms = std::chrono::milliseconds;

// The exercise's channel types.
using permit_pool = net::experimental::channel<void(boost::system::error_code)>;
using text_channel = net::experimental::channel<void(boost::system::error_code, std::string)>;
// The code under test: worker(permits, peer, name, steps, pause).
using worker_fn =
    std::function<net::awaitable<void>(permit_pool&, text_channel&, std::string, int, ms)>;

// The state of the world at the moment the worker ended.
struct at_end {
  bool ended = false;
  std::string thrown = "nothing";
  std::vector<std::string> heard;
  int free = -1;
  std::exception_ptr todo;  // an unfinished exercise: rethrown at the very end
};

// Each scenario runs worker "w" with a pool of 2 permits and a peer that
// pauses before each receive; an unfinished exercise's TODO is rethrown at
// the very end, once the peer has stopped.

// Not cancelled: three steps, 1 ms apart; the peer pauses 2 ms.
net::awaitable<at_end> three_steps(worker_fn worker);

// Cancelled by a signal, once the peer has heard `after` messages. The
// peer's `peer_pause` and the worker's `pause` decide where the worker
// waits when the cancellation comes: on its timer, or on the peer.
net::awaitable<at_end> cancelled_by_signal(worker_fn worker, ms peer_pause, ms pause,
                                           std::size_t after);

// Cancelled by a `||` timeout of 20 ms (pause 5 ms, the peer's 2 ms).
net::awaitable<at_end> cancelled_by_or(worker_fn worker);

}  // namespace cleanup_after_cancel_harness
