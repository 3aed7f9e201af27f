// See test_cleanup_after_cancel_harness.hpp. What the peer received and how
// many permits were free are noted at the moment the worker ends, not later:
// cleanup that finishes afterwards is too late.
#include "test_cleanup_after_cancel_harness.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "lunch/todo.hpp"

using namespace std::chrono_literals;

namespace cleanup_after_cancel_harness {
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

// Every scenario ends here, once the worker has ended and note_end() has
// seen it: the peer is let go and its task finishes. Only then is an
// unfinished exercise's TODO rethrown, so that the learner sees the TODO
// rather than a deadline.
net::awaitable<void> wind_down(scene& s, lunch::task_group& g, const at_end& r) {
  co_await let_peer_go(s);
  co_await g.wait();
  if (r.todo) std::rethrow_exception(r.todo);
}

}  // namespace

net::awaitable<at_end> three_steps(worker_fn worker) {
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
  co_await wind_down(s, g, r);
  co_return r;
}

net::awaitable<at_end> cancelled_by_signal(worker_fn worker, ms peer_pause, ms pause,
                                           std::size_t after) {
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
  co_await wind_down(s, g, r);
  co_return r;
}

net::awaitable<at_end> cancelled_by_or(worker_fn worker) {
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
  co_await wind_down(s, g, r);
  co_return r;
}

}  // namespace cleanup_after_cancel_harness
