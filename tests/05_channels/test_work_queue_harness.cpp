// See test_work_queue_harness.hpp. Each scenario makes its queues with
// `make` and keeps them alive until it returns.
#include "test_work_queue_harness.hpp"

#include <boost/asio.hpp>

#include <exception>
#include <utility>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace work_queue_harness {

using lunch::let_others_run;
using lunch::task_group;

std::string list(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return "[" + s + "]";
}

namespace {

// Sends `values` in order, counting each send that has completed.
net::awaitable<void> produce(queue& q, std::vector<int> values, int& sent) {
  lunch::pending p("a producer sends " + list(values));
  for (int v : values) {
    co_await q.send(v);
    ++sent;
  }
}

// How one receive() ended, as words: "item 3", "end" (std::nullopt), or the
// exception.
net::awaitable<void> receive_one(queue& q, std::string& result,
                                 const bool* inside_call = nullptr,
                                 bool* ran_inside = nullptr) {
  lunch::pending p("a consumer waits for an item");
  try {
    auto item = co_await q.receive();
    result = item ? "item " + std::to_string(*item) : "end";
  } catch (...) {
    result = "threw " + lunch::describe(std::current_exception());
  }
  if (inside_call && *inside_call) *ran_inside = true;
}

// Receives until the end of the stream (or at most `limit` items).
net::awaitable<std::vector<int>> drain(queue& q, int limit = 1000) {
  std::vector<int> got;
  lunch::pending p("a consumer drains the queue");
  for (int i = 0; i < limit; ++i) {
    auto item = co_await q.receive();
    if (!item) break;
    got.push_back(*item);
  }
  co_return got;
}

net::awaitable<std::string> describe_receive(queue& q) {
  std::string r;
  co_await receive_one(q, r);
  co_return r;
}

net::awaitable<void> send_and_record(queue& q, int v, std::string& thrown, bool& done) {
  lunch::pending p("a producer waits for room to send " + std::to_string(v));
  thrown = co_await lunch::what_is_thrown_by(q.send(v));
  done = true;
}

net::awaitable<void> produce_many(queue& q, int p) {
  lunch::pending pending("producer " + std::to_string(p));
  for (int i = 0; i < per_producer; ++i) co_await q.send(p * per_producer + i);
}

net::awaitable<void> consume_many(queue& q, std::vector<int>& got) {
  lunch::pending pending("a consumer");
  while (auto item = co_await q.receive()) got.push_back(*item);
}

net::awaitable<void> ping(queue& out, queue& back, int rounds, int& wrong) {
  lunch::pending p("the ping side, waiting for its item to come back");
  for (int i = 0; i < rounds; ++i) {
    co_await out.send(i);
    auto echo = co_await back.receive();
    if (!echo || *echo != i) ++wrong;
  }
}

net::awaitable<void> pong(queue& in, queue& back, int rounds) {
  lunch::pending p("the pong side, waiting for the next item");
  for (int i = 0; i < rounds; ++i) {
    auto item = co_await in.receive();
    co_await back.send(item ? *item : -1);
  }
}

}  // namespace

net::awaitable<void> fill_past_capacity(make_queue make, fill_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 3);
  queue& q = *made;
  task_group group(ex);
  int sent = 0;
  group.spawn(produce(q, {0, 1, 2, 3}, sent));
  co_await let_others_run();
  log.sent_before_any_receive = sent;
  auto first = co_await q.receive();
  log.first_received = first ? *first : -1;
  co_await let_others_run();
  log.sent_after_one_receive = sent;
  co_await drain(q, 3);
  co_await group.wait();
}

net::awaitable<void> producer_blocked_for(make_queue make, std::chrono::milliseconds d) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 1);
  queue& q = *made;
  task_group group(ex);
  int sent = 0;
  group.spawn(produce(q, {1, 2}, sent));
  co_await lunch::nap(d);  // the producer waits for room all this time
  co_await drain(q, 2);
  co_await group.wait();
}

net::awaitable<std::vector<int>> three_producers_one_consumer(make_queue make) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 4);
  queue& q = *made;
  task_group group(ex);
  int sent[3] = {};
  for (int p = 0; p < 3; ++p) {
    std::vector<int> values;
    for (int i = 0; i < 50; ++i) values.push_back(p * 1000 + i);
    group.spawn(produce(q, std::move(values), sent[p]));
  }
  auto got = co_await drain(q, 150);
  co_await group.wait();
  co_return got;
}

net::awaitable<void> close_with_items_queued(make_queue make, drained& d) {
  auto made = make(co_await net::this_coro::executor, 5);
  queue& q = *made;
  for (int i = 0; i < 5; ++i) co_await q.send(i);
  q.close();
  for (int i = 0; i < 5; ++i) {
    auto item = co_await q.receive();
    if (!item) break;
    d.items.push_back(*item);
  }
  d.after = co_await describe_receive(q);
  d.again = co_await describe_receive(q);
}

net::awaitable<void> close_with_consumers_waiting(make_queue make, waiting_consumers& w) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 2);
  queue& q = *made;
  task_group group(ex);
  for (auto& r : w.results)
    group.spawn(receive_one(q, r, &w.inside_close, &w.ran_inside_close));
  co_await let_others_run();
  w.inside_close = true;
  q.close();
  w.inside_close = false;
  co_await group.wait();
}

net::awaitable<void> close_with_producer_waiting(make_queue make, blocked_producer& b) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 1);
  queue& q = *made;
  task_group group(ex);
  co_await q.send(1);
  bool done = false;
  group.spawn(send_and_record(q, 2, b.thrown, done));
  co_await let_others_run();
  b.finished_before_close = done;
  q.close();
  co_await group.wait();
  b.drained = co_await drain(q, 3);
}

net::awaitable<void> close_then_send(make_queue make, send_after_close& s) {
  auto made = make(co_await net::this_coro::executor, 4);
  queue& q = *made;
  q.close();
  s.thrown = co_await lunch::what_is_thrown_by(q.send(9));
  s.drained = co_await drain(q, 2);
}

net::awaitable<void> cancel_a_waiting_consumer(make_queue make, cancelled_consumer& c) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 2);
  queue& q = *made;
  task_group group(ex);
  net::cancellation_signal stop;
  // Cancelled directly, not through `||`: `||` would hide how the loser ended.
  net::co_spawn(ex, q.receive(),
                net::bind_cancellation_slot(
                    stop.slot(), [&c](std::exception_ptr e, std::optional<int> v) {
                      c.cancelled = e ? lunch::describe(e) : v ? "item " + std::to_string(*v) : "end";
                    }));
  co_await let_others_run();
  group.spawn(receive_one(q, c.next));  // waits behind the first consumer
  co_await let_others_run();
  stop.emit(net::cancellation_type::terminal);
  co_await let_others_run();
  co_await q.send(7);
  co_await group.wait();
}

net::awaitable<void> stress(make_queue make, std::vector<std::vector<int>>& got) {
  auto ex = co_await net::this_coro::executor;
  auto made = make(ex, 8);
  queue& q = *made;
  task_group senders(ex), receivers(ex);
  for (auto& g : got) receivers.spawn(consume_many(q, g));
  for (int p = 0; p < producers; ++p) senders.spawn(produce_many(q, p));
  co_await senders.wait();
  q.close();
  co_await receivers.wait();
}

net::awaitable<void> ping_pong(make_queue make, int rounds, int& wrong) {
  auto ex = co_await net::this_coro::executor;
  auto made_out = make(ex, 1), made_back = make(ex, 1);
  queue &out = *made_out, &back = *made_back;
  task_group group(ex);
  group.spawn(pong(out, back, rounds));
  co_await ping(out, back, rounds, wrong);
  co_await group.wait();
}

}  // namespace work_queue_harness
