// See test_oneshot_harness.hpp. Each scenario makes one oneshot of int
// with `make`; the learner's receive() is awaited as it is, not wrapped.
#include "test_oneshot_harness.hpp"

#include <boost/asio.hpp>

#include <chrono>
#include <stdexcept>
#include <utility>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace oneshot_harness {

using lunch::let_others_run;
using lunch::task_group;

std::string value_or_exception(const outcome& out) {
  return out.thrown != "nothing" ? "threw " + out.thrown
                                 : "returned " + std::to_string(out.value);
}

namespace {

// Waits on `rx`; `inside_send` (when given) is true only while the test is
// inside send(), so the receiver can tell whether it was resumed from there.
net::awaitable<void> wait_for_value(receiver& rx, outcome& out,
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

net::awaitable<void> send_after(std::unique_ptr<sender> tx, std::chrono::milliseconds d) {
  co_await lunch::nap(d);
  tx->send(3);
}

// Every third sender is destroyed without sending. The sender is posted to
// the event loop, which four threads run, so it usually runs on another
// thread than the receiver, at the same time: sometimes the value (or the
// news that none is coming) arrives first, sometimes the receiver is
// already waiting. (The loop's own threads, not a separate pool, so that
// an exception in a sender fails the test instead of ending the process.)
net::awaitable<void> round_trips(const make_oneshot_fn& make, const is_closed_fn& is_closed,
                                 int first, int count, tally& t) {
  auto ex = co_await net::this_coro::executor;
  lunch::pending p("a task doing " + std::to_string(count) + " round trips");
  for (int i = first; i < first + count; ++i) {
    auto [tx, rx] = make(ex);
    net::post(ex, [tx = std::move(tx), i]() mutable {
      if (i % 3 != 0) tx->send(i);
    });
    try {
      const int v = co_await rx->receive();
      ++(v == i && i % 3 != 0 ? t.values : t.wrong);
    } catch (...) {
      if (!is_closed(std::current_exception())) throw;  // as `catch (const oneshot_closed&)`
      ++(i % 3 == 0 ? t.closed : t.wrong);
    }
  }
}

}  // namespace

net::awaitable<void> receive_while_sent(make_oneshot_fn make, outcome& out,
                                        std::function<void(const outcome&)> before_send) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make(ex);
  task_group group(ex);
  bool inside_send = false;
  group.spawn(wait_for_value(*rx, out, &inside_send));
  co_await let_others_run();
  before_send(out);
  inside_send = true;
  tx->send(42);
  inside_send = false;
  co_await group.wait();
}

net::awaitable<void> sender_dropped_while_waiting(make_oneshot_fn make, outcome& out) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make(ex);
  task_group group(ex);
  group.spawn(wait_for_value(*rx, out));
  co_await let_others_run();
  { [[maybe_unused]] auto gone = std::move(tx); }  // destroyed, nothing sent
  co_await group.wait();
}

net::awaitable<void> sender_dropped_before_waiting(make_oneshot_fn make, outcome& out) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make(ex);
  { [[maybe_unused]] auto gone = std::move(tx); }
  co_await wait_for_value(*rx, out);
}

net::awaitable<void> sender_dropped_after_sending(make_oneshot_fn make, outcome& out) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make(ex);
  {
    auto sender = std::move(tx);
    sender->send(7);
  }  // the sender is destroyed with the value still waiting to be received
  co_await wait_for_value(*rx, out);
}

net::awaitable<void> send_twice(make_oneshot_fn make, two_sends& r) {
  auto [tx, rx] = make(co_await net::this_coro::executor);
  tx->send(1);
  try {
    tx->send(2);
  } catch (const lunch::todo_error&) {
    throw;
  } catch (const std::logic_error&) {
    r.second = "std::logic_error";
  } catch (...) {
    r.second = lunch::describe(std::current_exception());
  }
  r.received = co_await rx->receive();
}

net::awaitable<void> cancel_then_receive(make_oneshot_fn make, after_cancel& r) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make(ex);
  net::cancellation_signal stop;
  // Cancelled directly, not through `||`: `||` would hide how the loser ended.
  net::co_spawn(ex, rx->receive(),
                net::bind_cancellation_slot(stop.slot(), [&r](std::exception_ptr e, int v) {
                  r.cancelled = e ? lunch::describe(e) : "the value " + std::to_string(v);
                }));
  co_await let_others_run();
  stop.emit(net::cancellation_type::terminal);
  co_await let_others_run();
  tx->send(5);
  lunch::pending p("a second receive(), after the first was cancelled and 5 was sent "
                   "(was the 5 lost? with Boost 1.81, see the trap in the exercise; "
                   "later Boost has no such trap)");
  r.later = co_await rx->receive();
}

net::awaitable<int> slow_sender(make_oneshot_fn make) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make(ex);
  task_group group(ex);
  group.spawn(send_after(std::move(tx), 200ms));
  const int v = co_await rx->receive();
  co_await group.wait();
  co_return v;
}

net::awaitable<void> many_round_trips(make_oneshot_fn make, is_closed_fn is_closed, tally& t) {
  auto ex = co_await net::this_coro::executor;
  task_group group(ex);
  for (int k = 0; k < 4; ++k) group.spawn(round_trips(make, is_closed, k * 2500, 2500, t));
  co_await group.wait();
}

}  // namespace oneshot_harness
