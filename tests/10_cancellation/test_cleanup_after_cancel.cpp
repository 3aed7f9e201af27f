// Tests for exercises/10_cancellation/cleanup_after_cancel.hpp
//
// A pool of two permits and a peer that takes the worker's messages slowly
// (a pause before each receive), so that the goodbye really has to wait for
// the peer: a cleanup that cannot co_await cannot deliver it. What the peer
// received and how many permits were free are noted at the moment the
// worker ends, not later: cleanup that finishes afterwards is too late.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <chrono>
#include <exception>
#include <string>
#include <vector>

#include "cleanup_after_cancel.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

struct scene {
  explicit scene(net::any_io_executor ex) : permits(ex, 2), peer(ex, 0) {
    permits.try_send(boost::system::error_code{});
    permits.try_send(boost::system::error_code{});
  }
  permit_pool permits;
  text_channel peer;
  std::vector<std::string> heard;  // what the peer received, in order
  bool stop_listening = false;
};

// The peer: a pause before each receive, until it hears a goodbye.
net::awaitable<void> slow_peer(scene& s, ms pause) {
  lunch::pending p("the peer, waiting for the worker's goodbye");
  for (;;) {
    co_await lunch::nap(pause);
    if (s.stop_listening) break;
    auto [ec, text] = co_await s.peer.async_receive(net::as_tuple(net::use_awaitable));
    if (ec) break;
    s.heard.push_back(text);
    if (text.find("goodbye") != std::string::npos) break;
  }
}

// Once the worker has ended: a goodbye that comes late still gets 30 ms to
// reach the peer; then the peer stops listening, so the test ends either way.
net::awaitable<void> let_peer_go(scene& s) {
  co_await lunch::nap(30ms);
  s.stop_listening = true;
  s.peer.cancel();
}

// Permits free now, counted by taking them all (and giving them back).
int free_permits(scene& s) {
  int n = 0;
  while (s.permits.try_receive([](boost::system::error_code) {})) ++n;
  for (int i = 0; i < n; ++i) s.permits.try_send(boost::system::error_code{});
  return n;
}

// The state of the world at the moment the worker ended.
struct at_end {
  bool ended = false;
  std::string thrown = "nothing";
  std::vector<std::string> heard;
  int free = -1;
  std::exception_ptr todo;  // an unfinished exercise: rethrown at the very end
};

// The test rethrows an unfinished exercise's TODO only once the peer has
// stopped, so that the learner sees the TODO rather than a deadline.
void rethrow_todo(const at_end& r) {
  if (r.todo) std::rethrow_exception(r.todo);
}

// The permits are counted at once. What the peer heard is read one turn
// later: a goodbye the peer has taken completes the worker's send and the
// peer's receive in the same step, and the peer's coroutine may be queued
// just behind the worker's end.
void note_end(net::any_io_executor ex, scene& s, at_end& r, std::exception_ptr e) {
  try {
    r.thrown = lunch::describe(e);
  } catch (const lunch::todo_error&) {
    r.thrown = "TODO";
    r.todo = std::current_exception();
  }
  r.free = free_permits(s);
  net::post(ex, [&s, &r] {
    r.heard = s.heard;
    r.ended = true;
  });
}

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (auto& x : v) out += (out.empty() ? "\"" : ", \"") + x + "\"";
  return out.empty() ? "nothing" : out;
}

bool said_goodbye(const at_end& r) {
  return !r.heard.empty() && r.heard.back() == "w says goodbye";
}

// Not cancelled: three steps.
net::awaitable<at_end> three_steps() {
  auto ex = co_await net::this_coro::executor;
  scene s(ex);
  lunch::task_group g(ex);
  g.spawn(slow_peer(s, 2ms));
  at_end r;
  std::exception_ptr e;
  try {
    co_await worker(s.permits, s.peer, "w", 3, 1ms);
  } catch (...) {
    e = std::current_exception();
  }
  note_end(ex, s, r, e);
  while (!r.ended) co_await net::post(ex, net::use_awaitable);
  co_await let_peer_go(s);
  co_await g.wait();
  rethrow_todo(r);
  co_return r;
}

// Cancelled by a signal, once the peer has heard `after` messages. The
// peer's `peer_pause` and the worker's `pause` decide where the worker
// waits when the cancellation comes: on its timer, or on the peer.
net::awaitable<at_end> cancelled_by_signal(ms peer_pause, ms pause, std::size_t after) {
  auto ex = co_await net::this_coro::executor;
  scene s(ex);
  lunch::task_group g(ex);
  g.spawn(slow_peer(s, peer_pause));
  net::cancellation_signal sig;
  at_end r;
  net::co_spawn(ex, worker(s.permits, s.peer, "w", 1000, pause),
                net::bind_cancellation_slot(sig.slot(), [&](std::exception_ptr e) {
                  note_end(ex, s, r, e);
                }));
  {
    lunch::pending p("the peer hearing " + std::to_string(after) + " reports");
    while (s.heard.size() < after) co_await lunch::nap(1ms);
  }
  sig.emit(net::cancellation_type::terminal);
  lunch::pending p("the cancelled worker to end");
  while (!r.ended) co_await lunch::nap(1ms);
  p.done();
  co_await let_peer_go(s);
  co_await g.wait();
  rethrow_todo(r);
  co_return r;
}

// Cancelled by a `||` timeout of 20 ms.
net::awaitable<at_end> cancelled_by_or() {
  using namespace net::experimental::awaitable_operators;
  auto ex = co_await net::this_coro::executor;
  scene s(ex);
  lunch::task_group g(ex);
  g.spawn(slow_peer(s, 2ms));
  at_end r;
  std::exception_ptr e;
  try {
    co_await (worker(s.permits, s.peer, "w", 1000, 5ms) || lunch::nap(20ms));
  } catch (...) {
    e = std::current_exception();
  }
  note_end(ex, s, r, e);
  while (!r.ended) co_await net::post(ex, net::use_awaitable);
  co_await let_peer_go(s);
  co_await g.wait();
  rethrow_todo(r);
  co_return r;
}

void check_cleaned_up(const at_end& r, const std::string& how) {
  CHECK_MESSAGE(r.free == 2, "when the worker " << how << " ended, " << r.free
                << " of 2 permits were free: its permit was not given back (yet)");
  CHECK_MESSAGE(said_goodbye(r), "when the worker " << how << " ended, the peer had heard: "
                << list(r.heard) << ". The last message must be \"w says goodbye\"");
}

const std::string aborted = "boost::system::system_error: Operation canceled [system:125]";
const std::string channel_cancelled = "boost::system::system_error: Channel cancelled [asio.channel:2]";

}  // namespace

TEST_SUITE("cleanup_after_cancel") {

TEST_CASE("not cancelled: its reports, then the permit back and a goodbye; a normal return") {
  auto r = lunch::run(three_steps(), {.deadline = 5s, .what = "a worker of 3 steps"});
  CHECK_MESSAGE(r.thrown == "nothing", "the worker threw: " << r.thrown);
  const std::vector<std::string> want{"w working", "w working", "w working", "w says goodbye"};
  CHECK_MESSAGE(r.heard == want, "the peer heard " << list(r.heard) << ", expected "
                << list(want));
  CHECK_MESSAGE(r.free == 2, r.free << " of 2 permits free after the worker ended");
}

TEST_CASE("cancelled while it waits on its timer: the permit comes back and the goodbye arrives") {
  // A quick peer and a long pause: the worker is on its timer.
  auto r = lunch::run(cancelled_by_signal(1ms, 200ms, 1),
                      {.deadline = 5s, .what = "a worker cancelled during its pause"});
  check_cleaned_up(r, "cancelled during its pause");
  CHECK_MESSAGE(r.thrown == aborted, "cancelled during a timer wait, the worker ended with: "
                << r.thrown << ". Expected the exception that cancelled it, "
                "system_error(operation_aborted)");
}

TEST_CASE("cancelled while it waits for the peer: the goodbye still arrives") {
  // A slow peer and no pause: the worker is in a send the peer has not taken.
  auto r = lunch::run(cancelled_by_signal(40ms, 0ms, 1),
                      {.deadline = 5s, .what = "a worker cancelled while sending"});
  check_cleaned_up(r, "cancelled while sending");
  CHECK_MESSAGE((r.thrown == channel_cancelled || r.thrown == aborted),
                "cancelled while sending to the peer, the worker ended with: " << r.thrown
                << ". Expected the exception that cancelled its send (channel_cancelled)");
}

TEST_CASE("cancelled by a || timeout: cleaned up before the || returns") {
  auto r = lunch::run(cancelled_by_or(), {.deadline = 5s, .what = "worker || 20 ms"});
  check_cleaned_up(r, "lost to a 20 ms timeout");
  CHECK_MESSAGE(r.thrown == "nothing", "`worker || nap(20ms)`: the timeout wins, and the "
                "|| returns normally; it threw: " << r.thrown);
}

}  // TEST_SUITE
