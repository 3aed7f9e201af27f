// lunch/tasks.hpp: small coroutine helpers that tests and demos share.
//
// These are test scaffolding, not lessons: the chapters teach how to build
// such things (chapter 02 joins, chapter 03 locks), and a test must not lean
// on the learner's own version of what it is testing.
//
// They are compiled once, in the support library (src/tasks.cpp): a
// coroutine defined in a header is compiled again in every file that
// includes it, and these would cost each test a second of compile time.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

namespace lunch {

namespace net = boost::asio;

// Waits `d` on a timer, on the calling coroutine's executor.
net::awaitable<void> nap(std::chrono::steady_clock::duration d);

// Lets every other ready coroutine on this executor take a few turns, so a
// task started just before has surely reached its first real wait (asked for
// the lock, say). Used to force an order of events without sleeping long.
net::awaitable<void> let_others_run();

// Starts tasks at once and waits for all of them: a small join set that
// works from any thread. A task that throws rethrows from its completion
// handler, which stops the event loop (lunch::run reports it), so a failure
// shows at once instead of at the deadline.
class task_group {
 public:
  explicit task_group(net::any_io_executor ex);
  ~task_group();
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  void spawn(net::awaitable<void> task);
  void spawn_on(net::any_io_executor where, net::awaitable<void> task);
  // Waits until every task spawned so far has finished.
  net::awaitable<void> wait();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lunch
