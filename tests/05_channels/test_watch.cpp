// Tests for exercises/05_channels/watch.hpp
//
// changed() is the heart of a watch, and it can go wrong in both
// directions: waking too late (a missed send, a waiter nobody wakes, a
// sender gone unnoticed) or too early (a spurious wake-up when nothing
// newer exists). Each test starts changed() in a task of its own, checks
// whether it has returned at the moments that matter, and only then lets
// it finish. One thread throughout: that is what this watch is for.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <string>
#include <vector>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "watch.hpp"

using namespace std::chrono_literals;

using lunch::let_others_run;
using lunch::task_group;

namespace {

using receiver = watch_receiver<std::string>;

// One changed() call, watched from outside.
struct call {
  bool returned = false;
  bool result = false;
  std::string value_then;  // borrow() right after it returned
  bool ran_inside_send = false;
};

std::string what_it_did(const call& c) {
  if (!c.returned) return "was still waiting";
  return std::string("returned ") + (c.result ? "true" : "false") + " with the value \"" +
         c.value_then + "\"";
}

net::awaitable<void> call_changed(receiver& rx, call& c, const bool* inside_send = nullptr) {
  lunch::pending p("a receiver waits in changed()");
  c.result = co_await rx.changed();
  c.value_then = rx.borrow();
  if (inside_send) c.ran_inside_send = *inside_send;
  c.returned = true;
}

// --- borrow ------------------------------------------------------------------------

struct borrowed {
  std::string initial, latest, subscriber_latest;
};

net::awaitable<void> borrow_values(borrowed& b) {
  auto [tx, rx] = make_watch<std::string>(co_await net::this_coro::executor, "one");
  b.initial = rx.borrow();
  auto other = tx.subscribe();
  tx.send("two");
  tx.send("three");
  b.latest = rx.borrow();
  b.subscriber_latest = other.borrow();
  co_return;
}

// --- waiting for a change ------------------------------------------------------------

struct wait_log {
  call c;
  bool returned_before_send = false;
};

net::awaitable<void> wait_then_send(wait_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_watch<std::string>(ex, "initial");
  task_group group(ex);
  bool inside_send = false;
  group.spawn(call_changed(rx, log.c, &inside_send));
  co_await let_others_run();
  log.returned_before_send = log.c.returned;
  inside_send = true;
  tx.send("new");
  inside_send = false;
  co_await group.wait();
}

net::awaitable<void> send_then_wait(call& c, call& subscriber_call) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_watch<std::string>(ex, "initial");
  tx.send("sent before");
  auto late = tx.subscribe();  // subscribes after the send: has seen it
  task_group group(ex);
  group.spawn(call_changed(rx, c));
  group.spawn(call_changed(late, subscriber_call));
  co_await let_others_run();
  // Let `late` finish, whatever happened above.
  tx.send("later");
  co_await group.wait();
}

struct coalesce_log {
  call first;
  call second;
  bool second_returned_early = false;
};

net::awaitable<void> three_sends_one_change(coalesce_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_watch<std::string>(ex, "0");
  tx.send("1");
  tx.send("2");
  tx.send("3");
  co_await call_changed(rx, log.first);
  task_group group(ex);
  group.spawn(call_changed(rx, log.second));
  co_await let_others_run();
  log.second_returned_early = log.second.returned;
  tx.send("4");
  co_await group.wait();
}

// The same, but the receiver is already waiting when the sends come: the
// first send wakes it, and by the time it runs the latest is "3".
net::awaitable<void> three_sends_while_waiting(coalesce_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_watch<std::string>(ex, "0");
  task_group group(ex);
  group.spawn(call_changed(rx, log.first));
  co_await let_others_run();
  tx.send("1");
  tx.send("2");
  tx.send("3");
  co_await group.wait();
  group.spawn(call_changed(rx, log.second));
  co_await let_others_run();
  log.second_returned_early = log.second.returned;
  tx.send("4");
  co_await group.wait();
}

net::awaitable<void> several_receivers(std::vector<call>& calls) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_watch<std::string>(ex, "old");
  std::vector<receiver> rxs{rx, tx.subscribe(), tx.subscribe()};
  task_group group(ex);
  for (std::size_t i = 0; i < calls.size(); ++i) group.spawn(call_changed(rxs[i], calls[i]));
  co_await let_others_run();
  tx.send("new");
  co_await let_others_run();
  for (std::size_t i = 0; i < calls.size(); ++i)
    CHECK_MESSAGE(calls[i].returned,
                  "receiver " << i << " of 3 was waiting in changed() when a "
                  "value was sent, and " << what_it_did(calls[i]));
  co_await group.wait();
}

// --- the sender goes away --------------------------------------------------------------

struct gone_log {
  call woken_by_last;  // waiting when the last value was sent
  call waiting;        // up to date and waiting when the sender went
  call after;          // called changed() after the sender went
  call unseen;         // had not seen the last value: first call
  call unseen2;        // ...and the call after that
};

net::awaitable<void> sender_goes_away(gone_log& log) {
  auto ex = co_await net::this_coro::executor;
  auto [tx, rx] = make_watch<std::string>(ex, "a");
  receiver behind = tx.subscribe();
  task_group group(ex);
  group.spawn(call_changed(rx, log.woken_by_last));
  co_await let_others_run();
  {
    auto sender = std::move(tx);
    sender.send("last");
    co_await let_others_run();  // `rx` sees "last"...
    group.spawn(call_changed(rx, log.waiting));
    co_await let_others_run();  // ...and waits again, up to date
  }  // the sender is destroyed here
  co_await group.wait();
  co_await call_changed(rx, log.after);
  co_await call_changed(behind, log.unseen);
  co_await call_changed(behind, log.unseen2);
}

}  // namespace

TEST_SUITE("watch") {

TEST_CASE("borrow() gives the initial value, then the latest value sent") {
  borrowed b;
  lunch::run(borrow_values(b), {.deadline = 3s, .what = "borrowing"});
  CHECK_MESSAGE(b.initial == "one", "made with \"one\"; borrow() gave \"" << b.initial << "\"");
  CHECK_MESSAGE(b.latest == "three",
                "sent \"two\" then \"three\"; borrow() gave \"" << b.latest << "\"");
  CHECK_MESSAGE(b.subscriber_latest == "three",
                "another receiver's borrow() gave \"" << b.subscriber_latest << "\"");
}

TEST_CASE("changed() waits until a newer value is sent, then returns true") {
  wait_log log;
  lunch::run(wait_then_send(log), {.deadline = 3s, .what = "changed(), then a send"});
  CHECK_MESSAGE(!log.returned_before_send,
                "changed() returned before anything was sent; the receiver had "
                "seen the current value, so it must wait");
  CHECK_MESSAGE((log.c.returned && log.c.result && log.c.value_then == "new"),
                "after the send, changed() " << what_it_did(log.c)
                << "; expected true with \"new\"");
}

TEST_CASE("send() does not run a waiting receiver inside send()") {
  wait_log log;
  lunch::run(wait_then_send(log), {.deadline = 3s, .what = "changed(), then a send"});
  CHECK_MESSAGE(!log.c.ran_inside_send,
                "the receiver resumed inside send(): it must resume later, "
                "from its executor, not in the middle of the sender's call");
}

TEST_CASE("changed() returns at once when a newer value was sent before the call") {
  call c, subscriber_call;
  lunch::run(send_then_wait(c, subscriber_call),
             {.deadline = 3s, .what = "a send, then changed()"});
  CHECK_MESSAGE((c.returned && c.result && c.value_then == "sent before"),
                "a value was sent before changed() was called, so changed() "
                "should return true at once; it " << what_it_did(c));
  CHECK_MESSAGE(subscriber_call.value_then == "later",
                "a receiver subscribed after the send has seen that value, so "
                "its changed() should wait for the next one; it returned with \""
                << subscriber_call.value_then << "\"");
}

TEST_CASE("several sends while away are one change, and the next changed() waits") {
  coalesce_log log;
  lunch::run(three_sends_one_change(log),
             {.deadline = 3s, .what = "three sends, then changed() twice"});
  CHECK_MESSAGE((log.first.result && log.first.value_then == "3"),
                "\"1\", \"2\", \"3\" were sent; changed() " << what_it_did(log.first)
                << "; expected true with the latest, \"3\"");
  CHECK_MESSAGE(!log.second_returned_early,
                "the receiver had seen \"3\", the latest, yet its next changed() "
                "returned without a new send (with \"" << log.second.value_then
                << "\"): a spurious wake-up; skipped values are not changes");
  CHECK_MESSAGE((log.second.result && log.second.value_then == "4"),
                "after \"4\" was sent, changed() " << what_it_did(log.second));
}

TEST_CASE("several sends while a receiver waits are one change, and its next changed() waits") {
  coalesce_log log;
  lunch::run(three_sends_while_waiting(log),
             {.deadline = 3s, .what = "a waiting receiver, three sends, changed() again"});
  CHECK_MESSAGE((log.first.result && log.first.value_then == "3"),
                "the receiver was waiting when \"1\", \"2\", \"3\" were sent; changed() "
                << what_it_did(log.first) << "; expected true with the latest, \"3\"");
  CHECK_MESSAGE(!log.second_returned_early,
                "the receiver had seen \"3\", the latest, yet its next changed() "
                "returned without a new send (with \"" << log.second.value_then
                << "\"): a spurious wake-up, left over from the sends it had already seen");
  CHECK_MESSAGE((log.second.result && log.second.value_then == "4"),
                "after \"4\" was sent, changed() " << what_it_did(log.second));
}

TEST_CASE("every receiver waiting in changed() wakes on a send") {
  std::vector<call> calls(3);
  lunch::run(several_receivers(calls), {.deadline = 3s, .what = "3 waiting receivers"});
  for (std::size_t i = 0; i < calls.size(); ++i)
    CHECK_MESSAGE((calls[i].result && calls[i].value_then == "new"),
                  "receiver " << i << " " << what_it_did(calls[i]));
}

TEST_CASE("once the sender is gone, changed() returns false instead of waiting") {
  gone_log log;
  lunch::run(sender_goes_away(log),
             {.deadline = 3s, .what = "receivers of a watch whose sender is destroyed"});
  CHECK_MESSAGE((log.waiting.returned && !log.waiting.result),
                "a receiver up to date and waiting in changed() when the sender "
                "was destroyed " << what_it_did(log.waiting) << "; expected false");
  CHECK_MESSAGE((log.after.returned && !log.after.result),
                "changed() called after the sender was destroyed "
                << what_it_did(log.after) << "; expected false");
  CHECK_MESSAGE((log.unseen.result && log.unseen.value_then == "last"),
                "a receiver that had not seen \"last\", the value sent just "
                "before the sender went, should still get true once; it "
                << what_it_did(log.unseen));
  CHECK_MESSAGE((log.unseen2.returned && !log.unseen2.result),
                "after that, its changed() should return false; it " << what_it_did(log.unseen2));
}

}  // TEST_SUITE
