// See test_sleep_for_harness.hpp.
#include "test_sleep_for_harness.hpp"

#include <boost/asio.hpp>
#include <boost/system/system_error.hpp>

#include "lunch/run.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

namespace sleep_for_harness {
namespace {

// Notes when it ran. On one thread it can only run while sleep_for waits if
// sleep_for gave the thread back.
net::awaitable<void> note_start(const lunch::stopwatch& sw, double& started_ms) {
  started_ms = sw.ms();
  co_return;
}

net::awaitable<void> sleep_then_note(const sleep_fn& sleep_for, const lunch::stopwatch& sw,
                                     double& other_started_ms) {
  lunch::task_group group(co_await net::this_coro::executor);
  group.spawn(sleep_for(100ms));  // starts first
  group.spawn(note_start(sw, other_started_ms));
  co_await group.wait();
}

}  // namespace

beside sleep_beside_another(const sleep_fn& sleep_for) {
  lunch::stopwatch sw;
  beside r;
  lunch::run(sleep_then_note(sleep_for, sw, r.other_started_ms),
             {.deadline = 5s, .what = "sleep_for(100ms) beside another coroutine"});
  r.took_ms = sw.ms();
  return r;
}

// The cancellation is emitted directly, through the slot of the handler
// that awaits the sleep: that is what `||` does to its losing side, but here
// the test sees how the sleep ended, which `||` would hide.
ending a_cancelled_sleep(const sleep_fn& sleep_for) {
  net::io_context ctx;
  net::cancellation_signal cancel;
  ending end;
  lunch::stopwatch sw;
  net::co_spawn(ctx, sleep_for(1s),
                net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
                  end.error = e;
                  end.ended = true;
                  end.ms = sw.ms();
                }));
  net::steady_timer soon(ctx, 20ms);
  soon.async_wait([&](boost::system::error_code) {
    cancel.emit(net::cancellation_type::terminal);
  });
  lunch::run_until_done(ctx, {.deadline = 5s,
                              .what = "sleep_for(1s), cancelled after 20 ms"});
  try {
    if (end.error) std::rethrow_exception(end.error);
  } catch (const boost::system::system_error& e) {
    end.aborted = e.code() == net::error::operation_aborted;
  } catch (...) {
  }
  return end;
}

}  // namespace sleep_for_harness
