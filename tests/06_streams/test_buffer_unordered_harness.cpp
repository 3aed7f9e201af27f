// See test_buffer_unordered_harness.hpp.
#include "test_buffer_unordered_harness.hpp"

#include <boost/asio.hpp>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace buffer_unordered_harness {
namespace {

// Job `id`: runs for `d`, then returns id, or throws when `fail` is set.
net::awaitable<int> job(probe& p, int id, ms d, bool fail = false) {
  ++p.started;
  p.peak = std::max(p.peak, ++p.running);
  struct leave {
    probe& p;
    ~leave() { --p.running; }
  } on_exit{p};
  if (d > 0ms) co_await lunch::nap(d);  // 0: ends without ever waiting
  if (fail) throw std::out_of_range("task " + std::to_string(id) + " failed");
  p.log += "-" + std::to_string(id) + " ";
  co_return id;
}

// The stream of tasks: hands out the jobs one by one, none started.
coro<net::awaitable<int>> one_by_one([[maybe_unused]] net::any_io_executor ex,
                                     std::vector<net::awaitable<int>> tasks) {
  for (auto& t : tasks) co_yield std::move(t);
}

}  // namespace

net::awaitable<outcome> run_jobs(adaptor_fn adaptor, probe& p, std::vector<ms> durations,
                                 std::size_t n, int failing, std::string name) {
  auto ex = co_await net::this_coro::executor;
  std::vector<net::awaitable<int>> tasks;
  for (int i = 0; i < static_cast<int>(durations.size()); ++i)
    tasks.push_back(job(p, i, durations[i], i == failing));
  auto results = adaptor(one_by_one(ex, std::move(tasks)), n);
  outcome out;
  try {
    lunch::pending wait("the consumer pulls results from " + name);
    while (auto v = co_await results.async_resume(net::use_awaitable)) {
      out.got.push_back(*v);
      p.log += "got" + std::to_string(*v) + " ";
    }
  } catch (...) {
    out.running_at_throw = p.running;
    out.thrown = lunch::describe(std::current_exception());
  }
  co_return out;
}

std::string joined(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s;
}

}  // namespace buffer_unordered_harness
