// lunch/tasks.hpp: small coroutine helpers that tests and demos share.
//
// These are test scaffolding, not lessons: the chapters teach how to build
// such things (chapter 02 joins, chapter 03 locks), and a test must not lean
// on the learner's own version of what it is testing.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>

namespace lunch {

namespace net = boost::asio;

// Waits `d` on a timer, on the calling coroutine's executor.
inline net::awaitable<void> nap(std::chrono::steady_clock::duration d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(net::use_awaitable);
}

// Lets every other ready coroutine on this executor take a few turns, so a
// task started just before has surely reached its first real wait (asked for
// the lock, say). Used to force an order of events without sleeping long.
inline net::awaitable<void> let_others_run() {
  auto ex = co_await net::this_coro::executor;
  for (int i = 0; i < 10; ++i) co_await net::post(ex, net::use_awaitable);
  co_await nap(std::chrono::milliseconds(1));
}

// Starts tasks at once and waits for all of them: a small join set that
// works from any thread. A task that throws rethrows from its completion
// handler, which stops the event loop (lunch::run reports it), so a failure
// shows at once instead of at the deadline.
class task_group {
 public:
  explicit task_group(net::any_io_executor ex) : ex_(ex), finished_(ex, 1 << 16) {}

  void spawn(net::awaitable<void> task) { spawn_on(ex_, std::move(task)); }
  void spawn_on(net::any_io_executor where, net::awaitable<void> task) {
    ++started_;
    net::co_spawn(where, std::move(task), [this](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
      finished_.try_send(boost::system::error_code{});
    });
  }
  // Waits until every task spawned so far has finished.
  net::awaitable<void> wait() {
    for (; started_ > 0; --started_)
      co_await finished_.async_receive(net::use_awaitable);
  }

 private:
  net::any_io_executor ex_;
  net::experimental::concurrent_channel<void(boost::system::error_code)> finished_;
  int started_ = 0;
};

}  // namespace lunch
