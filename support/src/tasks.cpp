// The helpers of lunch/tasks.hpp, compiled once.
#include "lunch/tasks.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace lunch {

net::awaitable<void> nap(std::chrono::steady_clock::duration d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(net::use_awaitable);
}

net::awaitable<void> let_others_run() {
  auto ex = co_await net::this_coro::executor;
  for (int i = 0; i < 10; ++i) co_await net::post(ex, net::use_awaitable);
  co_await nap(std::chrono::milliseconds(1));
}

struct task_group::impl {
  net::any_io_executor ex;
  // One message per finished task; large enough never to make a task wait.
  net::experimental::concurrent_channel<void(boost::system::error_code)> finished;
  int started = 0;
  explicit impl(net::any_io_executor e) : ex(e), finished(e, 1 << 16) {}
};

task_group::task_group(net::any_io_executor ex) : impl_(std::make_unique<impl>(ex)) {}
task_group::~task_group() = default;

void task_group::spawn(net::awaitable<void> task) { spawn_on(impl_->ex, std::move(task)); }

void task_group::spawn_on(net::any_io_executor where, net::awaitable<void> task) {
  ++impl_->started;
  net::co_spawn(where, std::move(task), [i = impl_.get()](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    i->finished.try_send(boost::system::error_code{});
  });
}

net::awaitable<void> task_group::wait() {
  for (; impl_->started > 0; --impl_->started)
    co_await impl_->finished.async_receive(net::use_awaitable);
}

}  // namespace lunch
