// The registry of pending markers behind lunch/watchdog.hpp, and the
// deadline machinery that lunch::within and lunch::run (run.cpp) share.
#include "lunch/watchdog.hpp"

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "deadline.hpp"
#include "lunch/protocol.hpp"

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

}  // namespace

namespace detail {

std::string format_report(std::string_view what,
                          std::chrono::milliseconds limit) {
  std::ostringstream out;
  out << protocol::deadline_phrase << seconds(limit) << " passed: " << what
      << " did not finish.";
  const std::string list = pending_report();
  if (list.empty()) {
    out << "\nThe test named no step as still waiting, so look for a "
           "co_await that nothing will ever complete (a lock never "
           "released, a channel nobody sends to, a timer nobody cancels).";
  } else {
    out << "\nStill waiting:\n" << list;
  }
  return out.str();
}

void die(const std::string& report, std::string_view why) {
  std::fprintf(stderr, "\n%.*s%s\n%.*s\n",
               static_cast<int>(protocol::watchdog_prefix.size()),
               protocol::watchdog_prefix.data(), report.c_str(),
               static_cast<int>(why.size()), why.data());
  std::fflush(stderr);
  std::fflush(stdout);
  // _Exit, not exit: the stuck threads still hold locks that the static
  // destructors run by exit() might need.
  std::_Exit(protocol::deadline_exit_status);
}

}  // namespace detail

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
  detail::deadline_clock deadline(limit);
  std::string label(what);
  std::thread guard([&] {
    if (!deadline.wait())
      detail::die(detail::format_report(label, limit),
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

}  // namespace lunch
