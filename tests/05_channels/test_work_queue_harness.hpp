// The half of test_work_queue.cpp that does not depend on the exercise: the
// producers, consumers and scenarios, compiled once with the course. The
// learner's work_queue<int> comes in behind the small interface below.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace work_queue_harness {

namespace net = boost::asio;

// The queue under test: work_queue<int>'s three operations, forwarded.
struct queue {
  virtual ~queue() = default;
  virtual net::awaitable<void> send(int item) = 0;
  virtual net::awaitable<std::optional<int>> receive() = 0;
  virtual void close() = 0;
};
// Makes a queue of `capacity` items on `ex`.
using make_queue = std::function<std::unique_ptr<queue>(net::any_io_executor, std::size_t capacity)>;

// "[1, 2, 3]": a list of ints for a failure message.
std::string list(const std::vector<int>& v);

struct fill_log {
  int sent_before_any_receive = -1;
  int sent_after_one_receive = -1;
  int first_received = -1;
};
// 4 sends into a queue of capacity 3, with nobody receiving, then one receive.
net::awaitable<void> fill_past_capacity(make_queue make, fill_log& log);

// A producer waits `d` for room in a full queue of capacity 1.
net::awaitable<void> producer_blocked_for(make_queue make, std::chrono::milliseconds d);

// 3 producers send 50 items each (p * 1000 + i) to one consumer: all it got.
net::awaitable<std::vector<int>> three_producers_one_consumer(make_queue make);

struct drained {
  std::vector<int> items;
  std::string after = "not asked";  // what receive() gave after the items
  std::string again = "not asked";  // and once more
};
// 5 items queued, close(), then receives until the end and twice more.
net::awaitable<void> close_with_items_queued(make_queue make, drained& d);

struct waiting_consumers {
  std::vector<std::string> results = std::vector<std::string>(3, "still waiting");
  bool inside_close = false;
  bool ran_inside_close = false;
};
// 3 consumers wait on an empty queue when it is closed: how each receive
// ended, and whether one ran inside close().
net::awaitable<void> close_with_consumers_waiting(make_queue make, waiting_consumers& w);

struct blocked_producer {
  bool finished_before_close = false;
  std::string thrown = "nothing";
  std::vector<int> drained;
};
// A producer waits for room in a full queue of capacity 1 when it is closed.
net::awaitable<void> close_with_producer_waiting(make_queue make, blocked_producer& b);

struct send_after_close {
  std::string thrown;
  std::vector<int> drained;
};
// close(), then a send, then a drain.
net::awaitable<void> close_then_send(make_queue make, send_after_close& s);

struct cancelled_consumer {
  std::string cancelled = "not finished";  // how the cancelled receive ended
  std::string next = "still waiting";      // the consumer queued behind it
};
// Two consumers wait; the first is cancelled, then 7 is sent.
net::awaitable<void> cancel_a_waiting_consumer(make_queue make, cancelled_consumer& c);

inline constexpr int producers = 4, consumers = 4, per_producer = 2500;
// `producers` producers send per_producer items each (p * per_producer + i)
// to one consumer per element of `got`, through a queue of capacity 8.
net::awaitable<void> stress(make_queue make, std::vector<std::vector<int>>& got);

// Two queues of capacity 1 between two tasks on an event loop that two
// threads run: every item must come back before the next goes out, so a
// single lost wake-up stops both tasks for good (close() is never called to
// rescue them). `wrong` counts the items that came back changed or missing.
net::awaitable<void> ping_pong(make_queue make, int rounds, int& wrong);

}  // namespace work_queue_harness
