// Demo 01/tokens: one operation, four completion tokens.
//
// An Asio operation does not decide how its result is delivered: the
// completion token you pass does. Here the same `steady_timer::async_wait`
// is consumed four ways. Watch the order of the lines: a callback never
// runs inside the call that started the operation, only later, from run().
#include <boost/asio.hpp>

#include <cstdio>
#include <future>
#include <thread>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

net::awaitable<void> with_use_awaitable(std::chrono::milliseconds d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  co_await timer.async_wait(net::use_awaitable);
  std::printf("  use_awaitable: the coroutine resumed after the wait\n");
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("tokens", "One operation, four completion tokens.");
  auto wait = 100ms;
  cli.option("--latency", wait, "how long each timer waits", 0, 10000);
  cli.parse(argc, argv);
  if (cli.smoke()) wait = 5ms;

  std::printf("1. A callback:\n");
  {
    net::io_context ctx;
    net::steady_timer timer(ctx, wait);
    timer.async_wait([](error_code ec) {
      std::printf("  callback: called from ctx.run(), error_code = '%s'\n",
                  ec.message().c_str());
    });
    std::printf("  async_wait returned; nothing has been called yet\n");
    lunch::run_until_done(ctx, {.what = "the callback"});
  }

  std::printf("2. use_awaitable, inside a coroutine:\n");
  lunch::run(with_use_awaitable(wait), {.what = "the coroutine"});

  std::printf("3. use_future, from a thread that is not running the loop:\n");
  {
    net::io_context ctx;
    net::steady_timer timer(ctx, wait);
    std::future<void> done = timer.async_wait(net::use_future);
    std::thread loop([&] { ctx.run(); });
    done.get();  // blocks this thread only; the loop thread does the waiting
    std::printf("  use_future: future.get() returned\n");
    loop.join();
  }

  std::printf("4. deferred: a lazy operation, started when you say so:\n");
  {
    net::io_context ctx;
    net::steady_timer timer(ctx, wait);
    auto op = timer.async_wait(net::deferred);  // nothing started yet
    std::printf("  deferred: made the operation; run() now has no work: ");
    std::printf("%zu handlers ran\n", ctx.run());
    ctx.restart();
    std::move(op)([](error_code) { std::printf("  deferred: launched, then completed\n"); });
    lunch::run_until_done(ctx, {.what = "the deferred wait"});
  }
}
