// Tests for exercises/05_channels/oneshot.hpp
//
// Each test makes one oneshot and checks one thing that can go wrong with
// it: the value lost or changed, a receiver left waiting for a sender that
// is gone, a second value sneaking in, the receiver run inside send(), a
// cancelled wait mistaken for a missing sender. The last test sends ten
// thousand values across threads, half of them racing the receiver.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "oneshot.hpp"

using namespace std::chrono_literals;

using lunch::let_others_run;
using lunch::task_group;

namespace {

// How one receive() ended, seen by a task waiting on it.
struct outcome {
  bool finished = false;
  int value = -1;
  std::string thrown = "nothing";
  bool ran_inside_send = false;
};

// Waits on `rx`; `inside_send` (when given) is true only while the test is
// inside send(), so the receiver can tell whether it was resumed from there.
net::awaitable<void> wait_for_value(oneshot_receiver<int>& rx, outcome& out,
                                    const bool* inside_send = nullptr) {
  lunch::pending p("the receiver waits for the value");
  try {
    out.value = co_await rx.receive();
  } catch (...) {
    out.thrown = lunch::describe(std::current_exception());
  }
  if (inside_send) out.ran_inside_send = *inside_send;
  out.finished = true;
}

std::string value_or_exception(const outcome& out) {
  return out.thrown != "nothing" ? "threw " + out.thrown
                                 : "returned " + std::to_string(out.value);
}

// --- the value crosses --------------------------------------------------------

net::awaitable<std::string> send_then_receive() {
  auto ends = make_oneshot<std::string>(co_await net::this_coro::executor);
  std::move(ends.first).send("hello");
  co_return co_await ends.second.receive();
}

net::awaitable<void> receive_while_sent(outcome& out) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_oneshot<int>(ex);
  task_group group(ex);
  bool inside_send = false;
  group.spawn(wait_for_value(rx, out, &inside_send));
  co_await let_others_run();
  CHECK_MESSAGE(!out.finished, "receive() finished before anything was sent: it "
                                   << value_or_exception(out));
  inside_send = true;
  std::move(tx).send(42);
  inside_send = false;
  co_await group.wait();
}

net::awaitable<int> move_only_value() {
  auto [tx, rx] = make_oneshot<std::unique_ptr<int>>(co_await net::this_coro::executor);
  std::move(tx).send(std::make_unique<int>(7));
  auto p = co_await rx.receive();
  co_return p ? *p : -1;
}

// --- the sender goes away -------------------------------------------------------

net::awaitable<void> sender_dropped_while_waiting(outcome& out) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_oneshot<int>(ex);
  task_group group(ex);
  group.spawn(wait_for_value(rx, out));
  co_await let_others_run();
  { [[maybe_unused]] auto gone = std::move(tx); }  // destroyed, nothing sent
  co_await group.wait();
}

net::awaitable<void> sender_dropped_before_waiting(outcome& out) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_oneshot<int>(ex);
  { [[maybe_unused]] auto gone = std::move(tx); }
  co_await wait_for_value(rx, out);
}

net::awaitable<void> sender_dropped_after_sending(outcome& out) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_oneshot<int>(ex);
  {
    auto sender = std::move(tx);
    std::move(sender).send(7);
  }  // the sender is destroyed with the value still waiting to be received
  co_await wait_for_value(rx, out);
}

// --- one value only -------------------------------------------------------------

struct two_sends {
  std::string second = "nothing";  // what the second send() threw
  int received = -1;
};

net::awaitable<void> send_twice(two_sends& r) {
  auto [tx, rx] = make_oneshot<int>(co_await net::this_coro::executor);
  std::move(tx).send(1);
  try {
    std::move(tx).send(2);
  } catch (const lunch::todo_error&) {
    throw;
  } catch (const std::logic_error&) {
    r.second = "std::logic_error";
  } catch (...) {
    r.second = lunch::describe(std::current_exception());
  }
  r.received = co_await rx.receive();
}

// --- cancellation ---------------------------------------------------------------

struct after_cancel {
  std::string cancelled = "not finished";  // how the cancelled receive ended
  int later = -1;                          // what a later receive got
};

net::awaitable<void> cancel_then_receive(after_cancel& r) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_oneshot<int>(ex);
  net::cancellation_signal stop;
  // Cancelled directly, not through `||`: `||` would hide how the loser ended.
  net::co_spawn(ex, rx.receive(),
                net::bind_cancellation_slot(stop.slot(), [&r](std::exception_ptr e, int v) {
                  r.cancelled = e ? lunch::describe(e) : "the value " + std::to_string(v);
                }));
  co_await let_others_run();
  stop.emit(net::cancellation_type::terminal);
  co_await let_others_run();
  std::move(tx).send(5);
  lunch::pending p("a second receive(), after the first was cancelled and 5 was sent "
                   "(was the 5 lost? with Boost 1.81, see the trap in the exercise; "
                   "later Boost has no such trap)");
  r.later = co_await rx.receive();
}

// --- no spinning ----------------------------------------------------------------

net::awaitable<void> send_after(oneshot_sender<int> tx, std::chrono::milliseconds d) {
  co_await lunch::nap(d);
  std::move(tx).send(3);
}

net::awaitable<int> slow_sender() {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_oneshot<int>(ex);
  task_group group(ex);
  group.spawn(send_after(std::move(tx), 200ms));
  const int v = co_await rx.receive();
  co_await group.wait();
  co_return v;
}

// --- across threads -------------------------------------------------------------

struct tally {
  std::atomic<int> values{0};  // the right value arrived
  std::atomic<int> closed{0};  // oneshot_closed, for a sender dropped unsent
  std::atomic<int> wrong{0};   // anything else
};

// Every third sender is destroyed without sending. The sender is posted to
// the event loop, which four threads run, so it usually runs on another
// thread than the receiver, at the same time: sometimes the value (or the
// news that none is coming) arrives first, sometimes the receiver is
// already waiting. (The loop's own threads, not a separate pool, so that
// an exception in a sender fails the test instead of ending the process.)
net::awaitable<void> round_trips(int first, int count, tally& t) {
  auto ex = co_await net::this_coro::executor;
  lunch::pending p("a task doing " + std::to_string(count) + " round trips");
  for (int i = first; i < first + count; ++i) {
    auto [tx, rx] = make_oneshot<int>(ex);
    net::post(ex, [tx = std::move(tx), i]() mutable {
      if (i % 3 != 0) std::move(tx).send(i);
    });
    try {
      const int v = co_await rx.receive();
      ++(v == i && i % 3 != 0 ? t.values : t.wrong);
    } catch (const oneshot_closed&) {
      ++(i % 3 == 0 ? t.closed : t.wrong);
    }
  }
}

net::awaitable<void> many_round_trips(tally& t) {
  auto ex = co_await net::this_coro::executor;
  task_group group(ex);
  for (int k = 0; k < 4; ++k) group.spawn(round_trips(k * 2500, 2500, t));
  co_await group.wait();
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
  lunch::run(receive_while_sent(out),
             {.deadline = 5s, .what = "a receiver waiting for a send"});
  CHECK_MESSAGE(out.value == 42,
                "sent 42 to a waiting receiver, which " << value_or_exception(out));
}

TEST_CASE("send() does not run the waiting receiver inside send()") {
  outcome out;
  lunch::run(receive_while_sent(out),
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
  lunch::run(sender_dropped_while_waiting(out),
             {.deadline = 5s, .what = "a receiver whose sender is destroyed unsent"});
  CHECK_MESSAGE(out.thrown.find("oneshot_closed") != std::string::npos,
                "the sender was destroyed without sending; receive() should "
                "throw oneshot_closed, but it " << value_or_exception(out));
}

TEST_CASE("receive() after the sender was destroyed unsent throws oneshot_closed at once") {
  outcome out;
  lunch::run(sender_dropped_before_waiting(out),
             {.deadline = 5s, .what = "receive() after the sender is gone"});
  CHECK_MESSAGE(out.thrown.find("oneshot_closed") != std::string::npos,
                "receive() on a oneshot whose sender is already gone should "
                "throw oneshot_closed, but it " << value_or_exception(out));
}

TEST_CASE("a sender destroyed after sending still delivers the value") {
  outcome out;
  lunch::run(sender_dropped_after_sending(out),
             {.deadline = 5s, .what = "receive() after send and destruction"});
  CHECK_MESSAGE(out.value == 7,
                "the sender sent 7 and was then destroyed; receive() "
                << value_or_exception(out)
                << " (did the destructor throw away a value not yet received?)");
}

TEST_CASE("a second send throws std::logic_error and the first value stays") {
  two_sends r;
  lunch::run(send_twice(r), {.deadline = 5s, .what = "two sends, one receive"});
  CHECK_MESSAGE(r.second == "std::logic_error",
                "the second send() should throw std::logic_error; it threw " << r.second);
  CHECK_MESSAGE(r.received == 1, "sent 1 then 2; received " << r.received
                                     << ", but a oneshot carries the first value only");
}

TEST_CASE("a cancelled receive ends with a cancellation error, and a later receive gets the value") {
  after_cancel r;
  lunch::run(cancel_then_receive(r),
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
  const int v = lunch::run(slow_sender(),
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
  lunch::run(many_round_trips(t),
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
