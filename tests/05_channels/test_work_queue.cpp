// Tests for exercises/05_channels/work_queue.hpp
//
// The queue's promises, one test each: the capacity is used and respected
// (C sends complete alone, the next waits for a receive, without spinning);
// per-producer order; close() loses nothing, wakes everybody who waits, and
// runs nobody inside itself; sends after close() fail; a cancelled receive
// leaves the line. Two tests run on several threads: a ping-pong in which a
// single lost wake-up would stall both sides, and 4 producers with 4
// consumers on 4 threads, counting every item. The producers, consumers and
// scenarios are in test_work_queue_harness.cpp, compiled once with the course.
//
// (Nothing checks whether send() runs a consumer inside itself: send() is a
// coroutine and may suspend, and a consumer that runs while the producer is
// suspended is fine. close() is an ordinary function, so there it is checked.)
#include <doctest/doctest.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "test_work_queue_harness.hpp"
#include "work_queue.hpp"

using namespace std::chrono_literals;
using namespace work_queue_harness;

namespace {

// work_queue<int> behind the harness's interface: each call is forwarded
// as it is, so the harness awaits the exercise's own coroutines.
struct exercise_queue final : queue {
  exercise_queue(net::any_io_executor ex, std::size_t capacity) : q(std::move(ex), capacity) {}
  net::awaitable<void> send(int item) override { return q.send(item); }
  net::awaitable<std::optional<int>> receive() override { return q.receive(); }
  void close() override { q.close(); }
  work_queue<int> q;
};

std::unique_ptr<queue> make(net::any_io_executor ex, std::size_t capacity) {
  return std::make_unique<exercise_queue>(std::move(ex), capacity);
}

}  // namespace

TEST_SUITE("work_queue") {

TEST_CASE("capacity sends complete with nobody receiving; the next waits for a receive") {
  fill_log log;
  lunch::run(fill_past_capacity(make, log),
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
  lunch::run(producer_blocked_for(make, 200ms),
             {.deadline = 5s, .what = "a producer blocked for 200 ms"});
  // Waiting costs next to nothing; polling costs a large share of the wall
  // time even on a busy machine, where it gets only part of a core.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while a producer "
                "waited " << sw.ms() << " ms for room: it polls instead of waiting");
}

TEST_CASE("each producer's items come out in the order it sent them") {
  const auto got = lunch::run(three_producers_one_consumer(make),
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
  lunch::run(close_with_items_queued(make, d),
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
  lunch::run(close_with_consumers_waiting(make, w),
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
  lunch::run(close_with_producer_waiting(make, b),
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
  lunch::run(close_then_send(make, s), {.deadline = 5s, .what = "close, then send"});
  CHECK_MESSAGE(s.thrown.find("queue_closed") != std::string::npos,
                "send() on a closed queue should throw queue_closed; it threw " << s.thrown);
  CHECK_MESSAGE(s.drained.empty(), "a consumer received " << list(s.drained)
                                                          << " from a queue closed before any send");
}

TEST_CASE("a cancelled receive gives up its place: the next item goes to the consumer behind it") {
  cancelled_consumer c;
  lunch::run(cancel_a_waiting_consumer(make, c),
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
  lunch::run(ping_pong(make, 5000, wrong), {.deadline = 20s,
                                      .threads = 2,
                                      .what = "5000 round trips through two queues, two threads"});
  CHECK_MESSAGE(wrong == 0, wrong << " items came back changed or missing");
}

TEST_CASE("4 producers and 4 consumers on 4 threads: every item arrives exactly once") {
  std::vector<std::vector<int>> got(consumers);
  lunch::run(stress(make, got), {.deadline = 20s,
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
