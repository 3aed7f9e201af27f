// lunch/run.hpp: run asynchronous work from synchronous code, with a deadline.
//
// This is what `#[tokio::main]` does for a Rust program: make an event loop,
// start the top-level coroutine on it, run until it finishes, and hand back
// its value or rethrow its exception. Demos and tests use it; chapter 01's
// `block_on` exercise asks the learner to write the core of it.
//
// Unlike a plain `io_context::run()`, these functions never hang: when the
// deadline passes they stop the loop and throw `lunch::deadline_exceeded`
// naming the work that is still pending (see lunch/watchdog.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "lunch/watchdog.hpp"

namespace lunch {

namespace net = boost::asio;

struct run_options {
  // How long the work may take before it counts as hung.
  std::chrono::milliseconds deadline = 10s;
  // How many threads call ctx.run(): 1 is the caller alone. More threads make
  // a multi-threaded runtime, like Tokio's default one.
  int threads = 1;
  // Named in the report, e.g. "join_all of three sleeps".
  std::string what = "the work";
};

// Runs `ctx` until it runs out of work or the deadline passes.
//
// On the deadline: stops `ctx`, waits briefly for the threads to leave run(),
// and throws `deadline_exceeded` with a report. If a thread cannot leave run()
// because it is blocked (a std::mutex deadlock, an endless loop in a handler)
// the report goes to stderr and the process exits with status 124.
//
// Exceptions escaping a handler are rethrown here after the loop stops.
void run_until_done(net::io_context& ctx, const run_options& options = {});

// Thrown by run() when the loop ran out of work but the coroutine never
// finished: something dropped the handler that would have resumed it.
[[noreturn]] void throw_abandoned(const std::string& what);

// `a && b` and parallel groups report a failure as net::multiple_exceptions.
// This unwraps it to the exception it holds first, which reads better in a
// test failure. Beware: for `a && b` that is a's exception, by position, so
// when b fails first it may be the "Operation canceled" of the cancelled a.
// Tests that pin which exception escapes must catch inside the coroutine.
std::exception_ptr first_cause(std::exception_ptr e);

namespace detail {
// The engine of run(): co_spawns `work` on a fresh io_context, runs it under
// the deadline, and rethrows what it threw. Compiled once in the support
// library, so a test that calls run() does not compile co_spawn's machinery.
void run_erased(net::awaitable<void> work, const run_options& options);

template <class T>
net::awaitable<void> store_into(net::awaitable<T> work, std::optional<T>& out) {
  out.emplace(co_await std::move(work));
}
}  // namespace detail

// Runs one coroutine to completion on a fresh io_context and returns its
// value (or rethrows its exception, unwrapped by first_cause()).
//
//   int n = lunch::run(count_lines(path), {.deadline = 5s});
template <class T>
T run(net::awaitable<T> work, run_options options = {}) {
  if constexpr (std::is_void_v<T>) {
    detail::run_erased(std::move(work), options);
  } else {
    std::optional<T> value;
    detail::run_erased(detail::store_into(std::move(work), value), options);
    return std::move(*value);
  }
}

}  // namespace lunch
