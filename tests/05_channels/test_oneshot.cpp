// Tests for exercises/05_channels/oneshot.hpp
//
// Each test makes one oneshot and checks one thing that can go wrong with
// it: the value lost or changed, a receiver left waiting for a sender that
// is gone, a second value sneaking in, the receiver run inside send(), a
// cancelled wait mistaken for a missing sender. The last test sends ten
// thousand values across threads, half of them racing the receiver. The
// scenarios on a oneshot of int are in test_oneshot_harness.cpp, compiled
// once with the course; they reach the oneshot through the adapter below.
#include <doctest/doctest.h>

#include <exception>
#include <memory>
#include <string>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "oneshot.hpp"
#include "test_oneshot_harness.hpp"

using namespace std::chrono_literals;
using namespace oneshot_harness;

namespace {

// The two ends of a oneshot<int> behind the harness's interface.
struct exercise_sender final : sender {
  explicit exercise_sender(oneshot_sender<int> tx) : tx(std::move(tx)) {}
  void send(int value) override { std::move(tx).send(value); }
  oneshot_sender<int> tx;
};
struct exercise_receiver final : receiver {
  explicit exercise_receiver(oneshot_receiver<int> rx) : rx(std::move(rx)) {}
  net::awaitable<int> receive() override { return rx.receive(); }
  oneshot_receiver<int> rx;
};

ends make(net::any_io_executor ex) {
  auto [tx, rx] = make_oneshot<int>(std::move(ex));
  return {std::make_unique<exercise_sender>(std::move(tx)),
          std::make_unique<exercise_receiver>(std::move(rx))};
}

bool is_closed(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const oneshot_closed&) {
    return true;
  } catch (...) {
    return false;
  }
}

// Checked in the middle of receive_while_sent, before anything is sent.
void not_finished_before_send(const outcome& out) {
  CHECK_MESSAGE(!out.finished, "receive() finished before anything was sent: it "
                                   << value_or_exception(out));
}

// Two oneshots of other types, the values crossing.

net::awaitable<std::string> send_then_receive() {
  auto ends = make_oneshot<std::string>(co_await net::this_coro::executor);
  std::move(ends.first).send("hello");
  co_return co_await ends.second.receive();
}

net::awaitable<int> move_only_value() {
  auto [tx, rx] = make_oneshot<std::unique_ptr<int>>(co_await net::this_coro::executor);
  std::move(tx).send(std::make_unique<int>(7));
  auto p = co_await rx.receive();
  co_return p ? *p : -1;
}

}  // namespace

TEST_SUITE("oneshot") {

TEST_CASE("a value sent before the receiver waits is received") {
  const auto got = lunch::run(send_then_receive(),
                              {.deadline = 5s, .what = "send, then receive"});
  CHECK_MESSAGE(got == "hello", "sent \"hello\", received \"" << got << "\"");
}

TEST_CASE("a value sent while the receiver waits wakes it") {
  outcome out;
  lunch::run(receive_while_sent(make, out, not_finished_before_send),
             {.deadline = 5s, .what = "a receiver waiting for a send"});
  CHECK_MESSAGE(out.value == 42,
                "sent 42 to a waiting receiver, which " << value_or_exception(out));
}

TEST_CASE("send() does not run the waiting receiver inside send()") {
  outcome out;
  lunch::run(receive_while_sent(make, out, not_finished_before_send),
             {.deadline = 5s, .what = "a receiver waiting for a send"});
  CHECK_MESSAGE(!out.ran_inside_send,
                "the receiver resumed inside send(): the sender's code was "
                "suspended in the middle of a call while someone else's ran; "
                "let the receiver resume later, from its executor");
}

TEST_CASE("a move-only value crosses") {
  const int v = lunch::run(move_only_value(),
                           {.deadline = 5s, .what = "a oneshot of unique_ptr"});
  CHECK_MESSAGE(v == 7, "sent a unique_ptr to 7, received " << v);
}

TEST_CASE("a sender destroyed without sending wakes the waiting receiver with oneshot_closed") {
  outcome out;
  lunch::run(sender_dropped_while_waiting(make, out),
             {.deadline = 5s, .what = "a receiver whose sender is destroyed unsent"});
  CHECK_MESSAGE(out.thrown.find("oneshot_closed") != std::string::npos,
                "the sender was destroyed without sending; receive() should "
                "throw oneshot_closed, but it " << value_or_exception(out));
}

TEST_CASE("receive() after the sender was destroyed unsent throws oneshot_closed at once") {
  outcome out;
  lunch::run(sender_dropped_before_waiting(make, out),
             {.deadline = 5s, .what = "receive() after the sender is gone"});
  CHECK_MESSAGE(out.thrown.find("oneshot_closed") != std::string::npos,
                "receive() on a oneshot whose sender is already gone should "
                "throw oneshot_closed, but it " << value_or_exception(out));
}

TEST_CASE("a sender destroyed after sending still delivers the value") {
  outcome out;
  lunch::run(sender_dropped_after_sending(make, out),
             {.deadline = 5s, .what = "receive() after send and destruction"});
  CHECK_MESSAGE(out.value == 7,
                "the sender sent 7 and was then destroyed; receive() "
                << value_or_exception(out)
                << " (did the destructor throw away a value not yet received?)");
}

TEST_CASE("a second send throws std::logic_error and the first value stays") {
  two_sends r;
  lunch::run(send_twice(make, r), {.deadline = 5s, .what = "two sends, one receive"});
  CHECK_MESSAGE(r.second == "std::logic_error",
                "the second send() should throw std::logic_error; it threw " << r.second);
  CHECK_MESSAGE(r.received == 1, "sent 1 then 2; received " << r.received
                                     << ", but a oneshot carries the first value only");
}

TEST_CASE("a cancelled receive ends with a cancellation error, and a later receive gets the value") {
  after_cancel r;
  lunch::run(cancel_then_receive(make, r),
             {.deadline = 5s, .what = "a cancelled receive, then a send"});
  CHECK_MESSAGE(r.cancelled != "not finished",
                "receive() was cancelled but kept waiting");
  CHECK_MESSAGE(r.cancelled.find("oneshot_closed") == std::string::npos,
                "a cancelled receive() threw oneshot_closed, but the sender "
                "was still there: only a missing sender is oneshot_closed");
  CHECK_MESSAGE(r.cancelled.find("cancel") != std::string::npos,
                "a cancelled receive() should end with a cancellation error, "
                "not with " << r.cancelled);
  CHECK_MESSAGE(r.later == 5, "after the cancelled receive, 5 was sent and a "
                              "new receive() got " << r.later);
}

TEST_CASE("a receiver uses no CPU while it waits") {
  lunch::cpu_meter cpu;
  lunch::stopwatch sw;
  const int v = lunch::run(slow_sender(make),
                           {.deadline = 5s, .what = "a receiver waiting 200 ms"});
  CHECK(v == 3);
  // Waiting costs next to nothing; polling costs a large share of the wall
  // time even on a busy machine, where it gets only part of a core.
  CHECK_MESSAGE(cpu.ms() < 0.1 * sw.ms(),
                "the process used " << cpu.ms() << " ms of CPU while the "
                "receiver waited " << sw.ms() << " ms: it is polling instead of waiting");
}

TEST_CASE("10000 values cross between 4 threads, a third of the senders dropped unsent") {
  tally t;
  lunch::run(many_round_trips(make, is_closed, t),
             {.deadline = 20s,
              .threads = 4,
              .what = "4 tasks x 2500 oneshots on 4 threads"});
  const int values = t.values, closed = t.closed, wrong = t.wrong;
  CHECK_MESSAGE(values == 6666, values << " of 6666 sent values arrived intact");
  CHECK_MESSAGE(closed == 3334, closed << " of 3334 senders dropped unsent were "
                                          "reported as oneshot_closed");
  CHECK_MESSAGE(wrong == 0, wrong << " receives ended with the wrong value or error");
}

}  // TEST_SUITE
