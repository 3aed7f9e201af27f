// The registry of pending markers and the deadline machinery behind
// lunch/watchdog.hpp and lunch/run.hpp.
#include "lunch/watchdog.hpp"

#include <boost/asio/io_context.hpp>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "lunch/run.hpp"

namespace lunch {
namespace {

using clock = std::chrono::steady_clock;

struct entry {
  std::string what;
  clock::time_point since;
};

// One process-wide registry. A std::mutex is right here: it is held for a
// few instructions, never across a suspension point.
std::mutex registry_mutex;
std::map<unsigned long, entry> registry;  // ordered by id = by age
unsigned long next_id = 1;

std::string seconds(clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s",
                std::chrono::duration<double>(d).count());
  return buf;
}

std::string format_report(std::string_view what,
                          std::chrono::milliseconds limit) {
  std::ostringstream out;
  out << "deadline of " << seconds(limit) << " passed: " << what
      << " did not finish.";
  const std::string list = pending_report();
  if (list.empty()) {
    out << "\nNo lunch::pending marker is alive, so the work that never "
           "finished was not named. Look for a co_await that nothing will "
           "ever complete (a lock never released, a channel nobody sends "
           "to, a timer nobody cancels).";
  } else {
    out << "\nStill pending:\n" << list;
  }
  return out.str();
}

// Waits for `done` or for the deadline, whichever comes first.
class deadline_clock {
 public:
  explicit deadline_clock(std::chrono::milliseconds limit)
      : until_(clock::now() + limit) {}
  // True when finished in time.
  bool wait() {
    std::unique_lock lock(m_);
    return cv_.wait_until(lock, until_, [&] { return done_; });
  }
  bool wait_for(std::chrono::milliseconds extra) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, extra, [&] { return done_; });
  }
  void finish() {
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_all();
  }

 private:
  clock::time_point until_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
};

[[noreturn]] void die(const std::string& report, std::string_view why) {
  std::fprintf(stderr, "\nlunch watchdog: %s\n%.*s\n", report.c_str(),
               static_cast<int>(why.size()), why.data());
  std::fflush(stderr);
  std::fflush(stdout);
  // _Exit, not exit: the stuck threads still hold locks that the static
  // destructors run by exit() might need.
  std::_Exit(deadline_exit_status);
}

}  // namespace

pending::pending(std::string what) {
  std::lock_guard lock(registry_mutex);
  id_ = next_id++;
  registry.emplace(id_, entry{std::move(what), clock::now()});
}

pending::~pending() { done(); }

void pending::set(std::string what) {
  std::lock_guard lock(registry_mutex);
  if (auto it = registry.find(id_); it != registry.end())
    it->second.what = std::move(what);
}

void pending::done() {
  std::lock_guard lock(registry_mutex);
  registry.erase(id_);
}

std::string pending_report() {
  std::lock_guard lock(registry_mutex);
  std::ostringstream out;
  const auto now = clock::now();
  for (const auto& [id, e] : registry)
    out << "  - " << e.what << " (for " << seconds(now - e.since) << ")\n";
  return out.str();
}

void within(std::chrono::milliseconds limit, std::string_view what,
            const std::function<void()>& body) {
  deadline_clock deadline(limit);
  std::string label(what);
  std::thread guard([&] {
    if (!deadline.wait())
      die(format_report(label, limit),
          "The thread running it is stuck (blocked or looping), so the "
          "process stops here.");
  });
  try {
    body();
  } catch (...) {
    deadline.finish();
    guard.join();
    throw;
  }
  deadline.finish();
  guard.join();
}

void run_until_done(net::io_context& ctx, const run_options& options) {
  deadline_clock deadline(options.deadline);
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
    report = format_report(options.what, options.deadline);
    ctx.stop();
    // A thread suspended in a coroutine leaves run() at once after stop().
    // One that is blocked in a std::mutex or spinning never will.
    if (!deadline.wait_for(2s))
      die(report,
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
  throw deadline_exceeded(
      what + " never finished, but the event loop ran out of work: the "
             "handler that should have resumed it was dropped without being "
             "called.");
}

}  // namespace lunch
