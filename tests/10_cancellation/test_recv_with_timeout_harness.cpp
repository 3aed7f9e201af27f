// See test_recv_with_timeout_harness.hpp.
#include "test_recv_with_timeout_harness.hpp"

#include <boost/asio.hpp>

#include <exception>
#include <string>
#include <utility>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace recv_with_timeout_harness {
namespace {

net::awaitable<received> timed_recv(const recv_fn& recv_with_timeout, channel& ch,
                                    clock_type::duration d) {
  lunch::pending p("recv_with_timeout");
  lunch::stopwatch sw;
  received r;
  r.message = co_await recv_with_timeout(ch, d);
  r.took_ms = sw.ms();
  co_return r;
}

// Ends every send, present and future: close() fails later sends at once,
// cancel() ends one already waiting (close alone does not, in Boost 1.81
// as in 1.89: asio #1318).
void stop_senders(channel& ch) {
  ch.close();
  ch.cancel();
}

// A send nobody takes ends when the test closes the channel.
net::awaitable<void> send_after(channel& ch, ms delay, int value) {
  lunch::pending p("a sender, " + std::to_string(delay.count()) + " ms late");
  co_await lunch::nap(delay);
  co_await ch.async_send(boost::system::error_code{}, value,
                         net::as_tuple(net::use_awaitable));
}

// Awaits `work`; if it throws (an unfinished exercise, say), first closes
// the channel so that no sender is left waiting, then rethrows.
template <class T>
net::awaitable<T> or_cancel(channel& ch, net::awaitable<T> work) {
  std::exception_ptr e;
  try {
    co_return co_await std::move(work);
  } catch (...) {
    e = std::current_exception();
  }
  stop_senders(ch);
  std::rethrow_exception(e);
}

}  // namespace

net::awaitable<received> already_waiting(recv_fn recv_with_timeout) {
  channel ch(co_await net::this_coro::executor, 1);
  ch.try_send(boost::system::error_code{}, 7);
  co_return co_await timed_recv(recv_with_timeout, ch, 1s);
}

net::awaitable<received> arrives_in_time(recv_fn recv_with_timeout) {
  auto ex = co_await net::this_coro::executor;
  channel ch(ex, 0);
  lunch::task_group g(ex);
  g.spawn(send_after(ch, 10ms, 8));
  auto r = co_await or_cancel(ch, timed_recv(recv_with_timeout, ch, 2s));
  co_await g.wait();
  co_return r;
}

net::awaitable<nothing_then_later> times_out_then_receives(recv_fn recv_with_timeout) {
  auto ex = co_await net::this_coro::executor;
  channel ch(ex, 0);
  nothing_then_later r;
  r.first = co_await timed_recv(recv_with_timeout, ch, 30ms);
  lunch::task_group g(ex);
  g.spawn(send_after(ch, 10ms, 9));
  r.second = co_await or_cancel(ch, timed_recv(recv_with_timeout, ch, 500ms));
  // A message nobody received: let the sender finish anyway.
  if (!r.second.message) stop_senders(ch);
  co_await g.wait();
  co_return r;
}

net::awaitable<void> races(recv_fn recv_with_timeout, std::size_t capacity, int rounds,
                           race_counts& c) {
  auto ex = co_await net::this_coro::executor;
  channel ch(ex, capacity);
  for (int i = 0; i < rounds; ++i) {
    bool fired = false;
    net::steady_timer sender(ex, clock_type::now());  // already due
    sender.async_wait([&](boost::system::error_code) {
      fired = true;
      if (ch.try_send(boost::system::error_code{}, i)) ++c.sent;
    });
    auto r = co_await recv_with_timeout(ch, 0ms);
    if (r) {
      ++c.in_the_race;
    } else {
      {
        lunch::pending p("the sender of round " + std::to_string(i));
        while (!fired) co_await net::post(ex, net::use_awaitable);
      }
      // A message the sender handed over that nobody returned may still sit
      // in the channel (capacity 1): the next call must get it.
      if (auto later = co_await recv_with_timeout(ch, 20ms)) ++c.next_call;
    }
    ++c.rounds;
  }
}

}  // namespace recv_with_timeout_harness
