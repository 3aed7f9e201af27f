// See test_async_delay_value_harness.hpp.
#include "test_async_delay_value_harness.hpp"

#include <boost/asio.hpp>

#include <exception>
#include <utility>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"

using namespace std::chrono_literals;

namespace async_delay_value_harness {
namespace {

net::awaitable<std::string> delayed(const delay_fn& delay, std::chrono::milliseconds d,
                                    std::string s) {
  auto ex = co_await net::this_coro::executor;
  co_return co_await delay(ex, d, std::move(s));
}

// A task of four_at_once(). It keeps its exception for the caller, so that
// the first failure is reported as itself.
net::awaitable<void> delayed_into(const delay_fn& delay, std::string& out,
                                  std::exception_ptr& error, std::chrono::milliseconds d,
                                  std::string s) {
  try {
    out = co_await delayed(delay, d, std::move(s));
  } catch (...) {
    error = std::current_exception();
  }
}

net::awaitable<void> four_at_once_task(const delay_fn& delay, std::string (&got)[4]) {
  // One alone first: in Asio 1.81 (and still in 1.89) an exception thrown
  // while an operation starts escapes the event loop, and four at once
  // would arrive wrapped in net::multiple_exceptions instead of saying what
  // went wrong.
  co_await delayed(delay, 0ms, "alone");
  lunch::task_group group(co_await net::this_coro::executor);
  std::exception_ptr errors[4];
  for (int i = 0; i < 4; ++i)
    group.spawn(delayed_into(delay, got[i], errors[i], 100ms, "value " + std::to_string(i)));
  co_await group.wait();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

std::string one_delay(const delay_fn& delay, std::chrono::milliseconds d, std::string s) {
  return lunch::run(delayed(delay, d, std::move(s)),
                    {.deadline = 5s, .what = "co_await async_delay_value"});
}

void four_at_once(const delay_fn& delay, std::string (&got)[4]) {
  lunch::run(four_at_once_task(delay, got), {.deadline = 5s, .what = "four delays at once"});
}

void record::operator()(error_code ec, int v) const {
  ++c->count;
  c->ec = ec;
  c->value = v;
  c->at_ms = c->clock.ms();
  c->ran_at_home = c->home && c->home->get_executor().running_in_this_thread();
}

background_loop::background_loop()
    : work(net::make_work_guard(ctx)), thread([this] { ctx.run(); }) {}

background_loop::~background_loop() {
  work.reset();
  ctx.stop();
  thread.join();
}

}  // namespace async_delay_value_harness
