// lunch::run and lunch::run_until_done (lunch/run.hpp): an event loop run
// to completion under a deadline.
#include "lunch/run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/multiple_exceptions.hpp>

#include <mutex>
#include <thread>
#include <vector>

#include "deadline.hpp"

namespace lunch {

void run_until_done(net::io_context& ctx, const run_options& options) {
  detail::deadline_clock deadline(options.deadline);
  std::exception_ptr escaped;
  std::mutex escaped_mutex;
  auto runner = [&] {
    try {
      ctx.run();
    } catch (...) {
      // A handler threw: stop everything and report it to the caller.
      std::lock_guard lock(escaped_mutex);
      if (!escaped) escaped = std::current_exception();
      ctx.stop();
    }
  };

  std::vector<std::thread> extra;
  for (int i = 1; i < options.threads; ++i) extra.emplace_back(runner);

  std::string report;
  std::thread guard([&] {
    if (deadline.wait()) return;
    report = detail::format_report(options.what, options.deadline);
    ctx.stop();
    // A thread suspended in a coroutine leaves run() at once after stop().
    // One that is blocked in a std::mutex or spinning never will.
    if (!deadline.wait_for(2s))
      detail::die(report,
          "A thread is still inside a handler after the event loop was "
          "stopped: it is blocked (a std::mutex? a blocking call?) or "
          "looping, so the process stops here.");
  });

  runner();
  for (auto& t : extra) t.join();
  deadline.finish();
  guard.join();

  if (escaped) std::rethrow_exception(escaped);
  if (!report.empty()) throw deadline_exceeded(report);
}

std::exception_ptr first_cause(std::exception_ptr e) {
  // Nested groups wrap again, so unwrap until the real cause appears.
  for (int depth = 0; e && depth < 16; ++depth) {
    try {
      std::rethrow_exception(e);
    } catch (const net::multiple_exceptions& m) {
      if (!m.first_exception()) return e;
      e = m.first_exception();
    } catch (...) {
      return e;
    }
  }
  return e;
}

void throw_abandoned(const std::string& what) {
  // The pending markers still alive name what was waiting: a deadlock whose
  // waits keep no timer or socket busy ends here, not at the deadline.
  const std::string stuck = pending_report();
  throw deadline_exceeded(
      what + " never finished, but the event loop ran out of work or was "
             "stopped (io_context::stop() resumes and cancels nothing): the "
             "handler that should have resumed it was never called." +
      (stuck.empty() ? std::string() : "\nStill waiting:\n" + stuck));
}

namespace detail {

void run_erased(net::awaitable<void> work, const run_options& options) {
  net::io_context ctx;
  std::exception_ptr error;
  bool finished = false;
  net::co_spawn(ctx, std::move(work), [&](std::exception_ptr e) {
    error = e;
    finished = true;
  });
  run_until_done(ctx, options);
  if (error) std::rethrow_exception(first_cause(error));
  if (!finished) throw_abandoned(options.what);
}

}  // namespace detail

}  // namespace lunch
