// Tests for exercises/05_channels/work_queue.hpp
//
// The queue's promises, one test each: the capacity is used and respected
// (C sends complete alone, the next waits for a receive, without spinning);
// per-producer order; close() loses nothing, wakes everybody who waits, and
// runs nobody inside itself; sends after close() fail; a cancelled receive
// leaves the line. Two tests run on several threads: a ping-pong in which a
// single lost wake-up would stall both sides, and 4 producers with 4
// consumers on 4 threads, counting every item.
//
// (Nothing checks whether send() runs a consumer inside itself: send() is a
// coroutine and may suspend, and a consumer that runs while the producer is
// suspended is fine. close() is an ordinary function, so there it is checked.)
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "work_queue.hpp"

using namespace std::chrono_literals;

using lunch::let_others_run;
using lunch::task_group;

namespace {

std::string list(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return "[" + s + "]";
}

// Sends `values` in order, counting each send that has completed.
net::awaitable<void> produce(work_queue<int>& q, std::vector<int> values, int& sent) {
  lunch::pending p("a producer sends " + list(values));
  for (int v : values) {
    co_await q.send(v);
    ++sent;
  }
}

// How one receive() ended, as words: "item 3", "end" (std::nullopt), or the
// exception.
net::awaitable<void> receive_one(work_queue<int>& q, std::string& result,
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
net::awaitable<std::vector<int>> drain(work_queue<int>& q, int limit = 1000) {
  std::vector<int> got;
  lunch::pending p("a consumer drains the queue");
  for (int i = 0; i < limit; ++i) {
    auto item = co_await q.receive();
    if (!item) break;
    got.push_back(*item);
  }
  co_return got;
}

// --- capacity -------------------------------------------------------------------

struct fill_log {
  int sent_before_any_receive = -1;
  int sent_after_one_receive = -1;
  int first_received = -1;
};

net::awaitable<void> fill_past_capacity(fill_log& log) {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> q(ex, 3);
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

net::awaitable<void> producer_blocked_for(std::chrono::milliseconds d) {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> q(ex, 1);
  task_group group(ex);
  int sent = 0;
  group.spawn(produce(q, {1, 2}, sent));
  co_await lunch::nap(d);  // the producer waits for room all this time
  co_await drain(q, 2);
  co_await group.wait();
}

// --- order ----------------------------------------------------------------------

net::awaitable<std::vector<int>> three_producers_one_consumer() {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> q(ex, 4);
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

// --- close ----------------------------------------------------------------------

struct drained {
  std::vector<int> items;
  std::string after = "not asked";  // what receive() gave after the items
  std::string again = "not asked";  // and once more
};

net::awaitable<std::string> describe_receive(work_queue<int>& q) {
  std::string r;
  co_await receive_one(q, r);
  co_return r;
}

net::awaitable<void> close_with_items_queued(drained& d) {
  work_queue<int> q(co_await net::this_coro::executor, 5);
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

struct waiting_consumers {
  std::vector<std::string> results = std::vector<std::string>(3, "still waiting");
  bool inside_close = false;
  bool ran_inside_close = false;
};

net::awaitable<void> close_with_consumers_waiting(waiting_consumers& w) {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> q(ex, 2);
  task_group group(ex);
  for (auto& r : w.results)
    group.spawn(receive_one(q, r, &w.inside_close, &w.ran_inside_close));
  co_await let_others_run();
  w.inside_close = true;
  q.close();
  w.inside_close = false;
  co_await group.wait();
}

struct blocked_producer {
  bool finished_before_close = false;
  std::string thrown = "nothing";
  std::vector<int> drained;
};

net::awaitable<void> send_and_record(work_queue<int>& q, int v, std::string& thrown, bool& done) {
  lunch::pending p("a producer waits for room to send " + std::to_string(v));
  thrown = co_await lunch::what_is_thrown_by(q.send(v));
  done = true;
}

net::awaitable<void> close_with_producer_waiting(blocked_producer& b) {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> q(ex, 1);
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

struct send_after_close {
  std::string thrown;
  std::vector<int> drained;
};

net::awaitable<void> close_then_send(send_after_close& s) {
  work_queue<int> q(co_await net::this_coro::executor, 4);
  q.close();
  s.thrown = co_await lunch::what_is_thrown_by(q.send(9));
  s.drained = co_await drain(q, 2);
}

// --- cancellation -----------------------------------------------------------------

struct cancelled_consumer {
  std::string cancelled = "not finished";  // how the cancelled receive ended
  std::string next = "still waiting";      // the consumer queued behind it
};

net::awaitable<void> cancel_a_waiting_consumer(cancelled_consumer& c) {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> q(ex, 2);
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

// --- many threads -----------------------------------------------------------------

constexpr int producers = 4, consumers = 4, per_producer = 2500;

net::awaitable<void> produce_many(work_queue<int>& q, int p) {
  lunch::pending pending("producer " + std::to_string(p));
  for (int i = 0; i < per_producer; ++i) co_await q.send(p * per_producer + i);
}

net::awaitable<void> consume_many(work_queue<int>& q, std::vector<int>& got) {
  lunch::pending pending("a consumer");
  while (auto item = co_await q.receive()) got.push_back(*item);
}

net::awaitable<void> stress(std::vector<std::vector<int>>& got) {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> q(ex, 8);
  task_group senders(ex), receivers(ex);
  for (auto& g : got) receivers.spawn(consume_many(q, g));
  for (int p = 0; p < producers; ++p) senders.spawn(produce_many(q, p));
  co_await senders.wait();
  q.close();
  co_await receivers.wait();
}

// Two queues of capacity 1 between two tasks on an event loop that two
// threads run: every item must come back before the next goes out, so a
// single lost wake-up stops both tasks for good (close() is never called to
// rescue them).
net::awaitable<void> ping(work_queue<int>& out, work_queue<int>& back, int rounds, int& wrong) {
  lunch::pending p("the ping side, waiting for its item to come back");
  for (int i = 0; i < rounds; ++i) {
    co_await out.send(i);
    auto echo = co_await back.receive();
    if (!echo || *echo != i) ++wrong;
  }
}

net::awaitable<void> pong(work_queue<int>& in, work_queue<int>& back, int rounds) {
  lunch::pending p("the pong side, waiting for the next item");
  for (int i = 0; i < rounds; ++i) {
    auto item = co_await in.receive();
    co_await back.send(item ? *item : -1);
  }
}

net::awaitable<void> ping_pong(int rounds, int& wrong) {
  auto ex = co_await net::this_coro::executor;
  work_queue<int> out(ex, 1), back(ex, 1);
  task_group group(ex);
  group.spawn(pong(out, back, rounds));
  co_await ping(out, back, rounds, wrong);
  co_await group.wait();
}

}  // namespace

TEST_SUITE("work_queue") {

TEST_CASE("capacity sends complete with nobody receiving; the next waits for a receive") {
  fill_log log;
  lunch::run(fill_past_capacity(log),
             {.deadline = 5s, .what = "4 sends into a queue of capacity 3"});
  CHECK_MESSAGE(log.sent_before_any_receive == 3,
                "with capacity 3 and no receiver, " << log.sent_before_any_receive
                << " sends completed; 3 should complete and the 4th wait for room");
  CHECK_MESSAGE(log.first_received == 0, "the first item received was "
                                             << log.first_received << ", not 0");
  CHECK_MESSAGE(log.sent_after_one_receive == 4,
                "one receive made room, but the waiting 4th send had still not "
                "completed (sends completed: " << log.sent_after_one_receive << ")");
}

TEST_CASE("a producer waiting for room uses no CPU") {
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  lunch::run(producer_blocked_for(200ms),
             {.deadline = 5s, .what = "a producer blocked for 200 ms"});
  // Waiting costs next to nothing; polling costs a large share of the wall
  // time even on a busy machine, where it gets only part of a core.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while a producer "
                "waited " << sw.ms() << " ms for room: it polls instead of waiting");
}

TEST_CASE("each producer's items come out in the order it sent them") {
  const auto got = lunch::run(three_producers_one_consumer(),
                              {.deadline = 5s, .what = "3 producers, 1 consumer"});
  REQUIRE_MESSAGE(got.size() == 150, "received " << got.size() << " of 150 items");
  int next[3] = {0, 1000, 2000};
  for (int v : got) {
    const int p = v / 1000;
    REQUIRE(p >= 0);
    REQUIRE(p < 3);
    if (v != next[p]) {
      FAIL_CHECK("producer " << p << " sent " << next[p] << " next, but " << v
                             << " came out instead; received: " << list(got));
      break;
    }
    ++next[p];
  }
}

TEST_CASE("after close the consumer still receives every queued item, then the end") {
  drained d;
  lunch::run(close_with_items_queued(d),
             {.deadline = 5s, .what = "5 items, close, 5 receives"});
  CHECK_MESSAGE(d.items == std::vector<int>({0, 1, 2, 3, 4}),
                "0..4 were queued and then the queue was closed; the consumer "
                "received " << list(d.items) << " (Boost 1.81's channel close() "
                "throws the queued items away, 1.82 and later keep them: a closed "
                "queue must still hand them out)");
  CHECK_MESSAGE(d.after == "end", "after the last item, receive() should return "
                                  "std::nullopt (the end); it gave " << d.after);
  CHECK_MESSAGE(d.again == "end", "the end must stay the end; a second receive() "
                                  "after it gave " << d.again);
}

TEST_CASE("close wakes every consumer waiting on the empty queue with the end") {
  waiting_consumers w;
  lunch::run(close_with_consumers_waiting(w),
             {.deadline = 5s, .what = "3 consumers waiting when the queue closes"});
  for (std::size_t i = 0; i < w.results.size(); ++i)
    CHECK_MESSAGE(w.results[i] == "end",
                  "consumer " << i << " was waiting when the queue closed; its "
                  "receive() should return std::nullopt, but it " << w.results[i]);
  CHECK_MESSAGE(!w.ran_inside_close,
                "a waiting consumer was resumed inside close(); it must resume "
                "later, from its executor");
}

TEST_CASE("a producer waiting on a full queue is woken by close with queue_closed") {
  blocked_producer b;
  lunch::run(close_with_producer_waiting(b),
             {.deadline = 5s, .what = "a producer waiting for room when the queue closes"});
  CHECK_MESSAGE(!b.finished_before_close,
                "the second send into a full queue of capacity 1 completed at once");
  CHECK_MESSAGE(b.thrown.find("queue_closed") != std::string::npos,
                "the queue was closed while a producer waited for room; its "
                "send() should throw queue_closed, but it threw " << b.thrown);
  CHECK_MESSAGE(b.drained == std::vector<int>({1}),
                "after the close, the consumer received " << list(b.drained)
                << "; only 1 was queued (the send of 2 failed)");
}

TEST_CASE("send after close throws queue_closed and queues nothing") {
  send_after_close s;
  lunch::run(close_then_send(s), {.deadline = 5s, .what = "close, then send"});
  CHECK_MESSAGE(s.thrown.find("queue_closed") != std::string::npos,
                "send() on a closed queue should throw queue_closed; it threw " << s.thrown);
  CHECK_MESSAGE(s.drained.empty(), "a consumer received " << list(s.drained)
                                                          << " from a queue closed before any send");
}

TEST_CASE("a cancelled receive gives up its place: the next item goes to the consumer behind it") {
  cancelled_consumer c;
  lunch::run(cancel_a_waiting_consumer(c),
             {.deadline = 5s, .what = "two waiting consumers, the first one cancelled"});
  CHECK_MESSAGE(c.cancelled.find("cancel") != std::string::npos,
                "the first consumer's receive() was cancelled while it waited; it "
                "should end with a cancellation error, but it " << c.cancelled);
  CHECK_MESSAGE(c.next == "item 7",
                "the consumer waiting behind the cancelled one should get the next "
                "item, 7; it " << c.next);
}

TEST_CASE("items bounced between two threads 5000 times never stall") {
  int wrong = 0;
  lunch::run(ping_pong(5000, wrong), {.deadline = 20s,
                                      .threads = 2,
                                      .what = "5000 round trips through two queues, two threads"});
  CHECK_MESSAGE(wrong == 0, wrong << " items came back changed or missing");
}

TEST_CASE("4 producers and 4 consumers on 4 threads: every item arrives exactly once") {
  std::vector<std::vector<int>> got(consumers);
  lunch::run(stress(got), {.deadline = 20s,
                           .threads = 4,
                           .what = "4 producers x 2500 items, 4 consumers, 4 threads"});
  std::vector<int> seen(producers * per_producer, 0);
  int out_of_order = 0, total = 0;
  for (const auto& g : got) {
    std::vector<int> last(producers, -1);
    for (int v : g) {
      REQUIRE(v >= 0);
      REQUIRE(v < producers * per_producer);
      ++seen[static_cast<std::size_t>(v)];
      ++total;
      // One consumer sees each producer's items in the order they were sent.
      const int p = v / per_producer;
      if (v <= last[static_cast<std::size_t>(p)]) ++out_of_order;
      last[static_cast<std::size_t>(p)] = v;
    }
  }
  int missing = 0, doubled = 0;
  for (int n : seen) {
    if (n == 0) ++missing;
    if (n > 1) ++doubled;
  }
  CHECK_MESSAGE(total == producers * per_producer,
                "received " << total << " items; " << producers * per_producer << " were sent");
  CHECK_MESSAGE(missing == 0, missing << " items were never received");
  CHECK_MESSAGE(doubled == 0, doubled << " items were received more than once");
  CHECK_MESSAGE(out_of_order == 0, out_of_order << " items reached a consumer before "
                                                   "an earlier item of the same producer");
}

}  // TEST_SUITE
