// lunch/watchdog.hpp: turn a hang into a failure that says what was stuck.
//
// A deadlocked coroutine does not crash: it just never finishes, and a test
// that waits for it waits forever. Everything in this course that runs an
// event loop runs it under a deadline. When the deadline passes, the report
// lists every `lunch::pending` marker still alive, i.e. the work that never
// finished, and how long each has been waiting.
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lunch/protocol.hpp"

namespace lunch {

using namespace std::chrono_literals;

// Thrown when a deadline passes while work is still pending. what() is the
// full report, ready to show to a person.
class deadline_exceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Names a piece of work while it is in progress, so that a deadline report
// can name it. Create one at the top of a coroutine (or around a wait); it
// unregisters itself when destroyed.
//
//   lunch::pending p("writer waits for the lock");
//   auto guard = co_await lock.async_lock();
//   p.done();                  // or let it go out of scope
class pending {
 public:
  explicit pending(std::string what);
  pending(const pending&) = delete;
  pending& operator=(const pending&) = delete;
  ~pending();

  // Change the description, e.g. from "reading" to "waiting for a permit".
  void set(std::string what);
  // Stop counting this work as pending before the marker is destroyed.
  void done();

 private:
  unsigned long id_;
};

// A plain-text list of every pending marker alive now, oldest first, one per
// line ("  - writer waits for the lock (for 2.0 s)"), or "" when none.
std::string pending_report();

// Runs `body` on this thread. If it has not returned after `limit`, prints a
// report naming `what` and the pending markers to stderr and ends the process
// with exit status 124 (the status `timeout(1)` uses), because a thread that
// is stuck cannot be unstuck from outside.
//
// Use it around code that may block the calling thread itself: a learner's
// `block_on`, a blocking lock, an endless loop.
void within(std::chrono::milliseconds limit, std::string_view what,
            const std::function<void()>& body);

}  // namespace lunch
