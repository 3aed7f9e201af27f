// See test_generator_harness.hpp. produce(i) counts itself in `produced` the
// moment it starts, then naps, so every value costs a real asynchronous wait
// and a producer that runs ahead of the consumer shows in the counter at once.
#include "test_generator_harness.hpp"

#include <boost/asio.hpp>

#include <stdexcept>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace generator_harness {
namespace {

net::awaitable<int> square(producer& p, int i) {
  ++p.produced;
  co_await lunch::nap(1ms);
  if (i == p.fail_at)
    throw std::out_of_range("produce(" + std::to_string(i) + ") failed");
  co_return i * i;
}

coro<int> squares(const generate_fn& generate, net::any_io_executor ex, int count, producer& p) {
  // Not a coroutine itself: it only builds the stream under test.
  return generate(ex, count, [&p](int i) { return square(p, i); });
}

// Everything the stream yields, as text ("0 1 4 end"), or what it threw in
// place of the end. Stops after `limit` values, in case it never ends.
net::awaitable<std::string> drain(coro<int>& s, int limit = 20) {
  std::string seen;
  try {
    for (int n = 0; n <= limit; ++n) {
      lunch::pending wait("a pull from the generator");
      auto v = co_await s.async_resume(net::use_awaitable);
      if (!v) co_return seen + "end";
      seen += std::to_string(*v) + " ";
    }
    co_return seen + "... (no end after " + std::to_string(limit) + " values)";
  } catch (...) {
    co_return seen + lunch::describe(std::current_exception());
  }
}

}  // namespace

net::awaitable<std::string> all_of(generate_fn generate, int count, producer& p) {
  auto s = squares(generate, co_await net::this_coro::executor, count, p);
  co_return co_await drain(s);
}

net::awaitable<std::string> produced_after_each_pull(generate_fn generate, producer& p) {
  auto s = squares(generate, co_await net::this_coro::executor, 10, p);
  co_await lunch::let_others_run();
  std::string counts = std::to_string(p.produced);
  for (int k = 1; k <= 3; ++k) {
    lunch::pending wait("pull " + std::to_string(k) + " from the generator");
    const auto v = co_await s.async_resume(net::use_awaitable);
    co_await lunch::let_others_run();
    counts += " " + std::to_string(p.produced);
    if (!v) break;
  }
  co_return counts;
}

}  // namespace generator_harness
