// The half of test_upgrade.cpp that does not depend on the exercise: the
// scenarios, compiled once with the course. The price list comes in as a
// `shop` made by the test file.
#include "test_upgrade_harness.hpp"

#include <boost/asio.hpp>

#include "lunch/tasks.hpp"
#include "lunch/watchdog.hpp"

namespace upgrade_harness {

namespace {

net::awaitable<void> one_raise(shop& list, std::string item, int delta,
                               std::vector<int>& returned) {
  lunch::pending p("raise(" + item + ", " + std::to_string(delta) + ")");
  returned.push_back(co_await list.raise(item, delta));
}

}  // namespace

net::awaitable<void> a_single_raise(open_shop open, single_raise_result& r) {
  auto list = open(co_await net::this_coro::executor);
  list->prices() = {{"coffee", 300}, {"tea", 250}};
  co_await one_raise(*list, "coffee", 20, r.returned);
  r.coffee = list->prices()["coffee"];
  r.tea = list->prices()["tea"];
  r.changes = list->changes();
}

net::awaitable<void> ten_raises_at_once(open_shop open, ten_raises_result& r) {
  auto ex = co_await net::this_coro::executor;
  auto list = open(ex);
  list->prices() = {{"bagel", 100}};
  lunch::task_group group(ex);
  for (int i = 0; i < 10; ++i) group.spawn(one_raise(*list, "bagel", 1, r.returned));
  co_await group.wait();
  r.bagel = list->prices()["bagel"];
  r.changes = list->changes();
}

}  // namespace upgrade_harness
