// Exercise 05_channels/work_queue
//
// Tokio's bounded `mpsc::channel(capacity)` is the workhorse of pipelines:
// producers send, a consumer receives, and a full queue makes producers
// wait. That is back-pressure: a fast producer cannot bury slow consumers
// under a backlog that grows without end. When the producers are done the
// queue is closed, and the consumer drains what is left, then learns that
// the stream has ended.
//
// Asio's channel does the first half. Its close() is the problem: it throws
// away the items still queued, and a producer blocked on a full channel is
// not woken. Nor can a better close() be added from outside, because "is it
// closed?" and "wait for room" must be decided under one lock. So build the
// queue itself:
//   - a std::deque of items and a `closed_` flag under a std::mutex, held
//     for a few instructions and never across a co_await;
//   - two lines of parked coroutines, producers waiting for room and
//     consumers waiting for an item. `parking` below is written for you.
//
// Done when:
//   - up to `capacity` sends complete with nobody receiving; the next one
//     waits, using no CPU, until a receive makes room;
//   - each producer's items come out in the order it sent them, none lost
//     and none twice, also with several producers and consumers on threads;
//   - after close(), receive() still hands out every queued item, then
//     returns std::nullopt, also to consumers that were already waiting;
//   - send() after close(), and a send() waiting for room when close() is
//     called, throw queue_closed;
//   - a cancelled send() or receive() gives up its place in line without
//     taking anybody's wake-up with it (parking::wait sees to that);
//   - no waiting coroutine runs inside close() (or send()): each one
//     resumes later, from its own executor.
//
// Pitfall: checking the state, unlocking, and only then getting in line
// loses a wake-up that comes in between. Park while you hold the lock: the
// ticket keeps a wake-up that arrives before you co_await it.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

// What send() throws once the queue is closed.
class queue_closed : public std::runtime_error {
 public:
  queue_closed() : std::runtime_error("work_queue: the queue is closed") {}
};

// Coroutines waiting for something, first come, first served (written for
// you). Give it your mutex. Call park(), wake_one() and wake_all() with that
// mutex held; then, after unlocking, `co_await line.wait(ticket)`. A wake-up
// that arrives in between is kept in the ticket, so it is never lost, and
// the woken coroutine resumes later on its own executor, never inside
// wake_one(). A woken coroutine must look at the state again: someone else
// may have taken what it was woken for.
class parking {
 public:
  using ticket = std::shared_ptr<
      net::experimental::concurrent_channel<void(boost::system::error_code)>>;

  explicit parking(std::mutex& m) : m_(m) {}

  ticket park(const net::any_io_executor& ex) {
    line_.push_back(std::make_shared<ticket::element_type>(ex, 1));
    return line_.back();
  }
  void wake_one() {
    if (line_.empty()) return;
    line_.front()->try_send(boost::system::error_code{});
    line_.pop_front();
  }
  void wake_all() {
    while (!line_.empty()) wake_one();
  }

  // Waits for the ticket's wake-up. If the wait is cancelled (a timeout won
  // a `||`, say), it leaves the line, or passes on a wake-up that was
  // already meant for it, and rethrows: nobody is left waiting for a
  // wake-up that went to a coroutine that gave up.
  net::awaitable<void> wait(ticket t) {
    auto [ec] = co_await t->async_receive(net::as_tuple(net::use_awaitable));
    if (!ec) co_return;
    {
      std::lock_guard lock(m_);
      auto it = std::find(line_.begin(), line_.end(), t);
      if (it != line_.end())
        line_.erase(it);
      else
        wake_one();
    }
    throw boost::system::system_error(ec);
  }

 private:
  std::mutex& m_;
  std::deque<ticket> line_;
};

template <class T>
class work_queue {
 public:
  // `capacity` (at least 1): how many items may wait in the queue.
  work_queue(net::any_io_executor ex, std::size_t capacity)
      : ex_(std::move(ex)), capacity_(capacity) {}
  work_queue(const work_queue&) = delete;
  work_queue& operator=(const work_queue&) = delete;

  // Queues `item`, waiting while the queue is full. Throws queue_closed if
  // the queue is closed, before or while it waits.
  net::awaitable<void> send(T item) {
    // TODO: under the lock: refuse if closed; if there is room, queue the
    //       item (and tell a waiting consumer); else get in line. Then,
    //       with the lock released, wait for your turn and look again.
    co_return lunch::todo("work_queue::send: queue the item, or wait for room");
  }

  // The next item, waiting while the queue is empty; std::nullopt once the
  // queue is closed and empty: the end of the stream.
  net::awaitable<std::optional<T>> receive() {
    // TODO: the same shape as send(). What must a closed queue still do
    //       before it reports the end?
    co_return lunch::todo<std::optional<T>>(
        "work_queue::receive: take the next item, or wait for one");
  }

  // No more items: the queued ones are still delivered; waiting and later
  // sends throw queue_closed; consumers get std::nullopt once the queue is
  // empty. Closing twice does no harm.
  void close() {
    // TODO: who is waiting, and what should each of them find out now?
    lunch::todo("work_queue::close: mark the queue closed and tell the waiters");
  }

 private:
  net::any_io_executor ex_;
  std::size_t capacity_;
  std::mutex m_;  // guards everything below; never held across a co_await
  std::deque<T> items_;
  bool closed_ = false;
  parking senders_{m_};    // producers waiting for room
  parking receivers_{m_};  // consumers waiting for an item, or for the end
};

