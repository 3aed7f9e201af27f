// Demo 03/mutex_across_await: a std::mutex held across co_await.
//
// Two coroutines on one thread share a std::mutex. The first locks it and
// then co_awaits a timer, still holding it. Its thread is now free, so the
// second coroutine runs and calls lock(). std::mutex knows nothing about
// coroutines: it blocks the thread, the only one, which the first coroutine
// needs in order to wake up and unlock. Nobody can move again. (C++ Core
// Guidelines CP.52: do not hold a lock across a suspension point.)
//
// The deadlock is real, so it runs in a child process: the watchdog of
// lunch::run reports it and ends the child, and this program carries on.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/measure.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;

using lunch::nap;

namespace {

std::mutex m;    // guards `visits`
int visits = 0;

// WRONG: the lock_guard lives in the coroutine frame, so the mutex stays
// locked while the coroutine is suspended in nap().
net::awaitable<void> holds_across_await(std::string name) {
  lunch::pending p(name + " waits for the std::mutex, blocking the thread");
  std::lock_guard lock(m);
  p.set(name + " holds the std::mutex across a co_await");
  ++visits;
  co_await nap(50ms);
  ++visits;
}

// RIGHT: the mutex is held for a few instructions and released before the
// co_await. This is exactly where a std::mutex is the best tool: cheaper
// than any async lock, and it never meets a suspension point.
net::awaitable<void> releases_before_await() {
  {
    std::lock_guard lock(m);
    ++visits;
  }
  co_await nap(50ms);
  std::lock_guard lock(m);
  ++visits;
}

// Runs the deadlock in a child process; returns the child's exit status.
int deadlock_in_child(std::chrono::milliseconds deadline) {
  std::fflush(stdout);  // or the child would print our buffered lines again
  const pid_t child = fork();
  if (child == 0) {
    auto both = []() -> net::awaitable<void> {
      co_await (holds_across_await("coroutine A") && holds_across_await("coroutine B"));
    };
    lunch::run(both(), {.deadline = deadline, .what = "A && B, one thread, one std::mutex"});
    std::_Exit(0);  // never reached: the watchdog ends this process
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("mutex_across_await", "A std::mutex held across co_await deadlocks one thread.");
  auto deadline = 1000ms;
  cli.option("--deadline", deadline, "how long the watchdog lets the deadlock last", 100, 10'000);
  cli.parse(argc, argv);
  if (cli.smoke()) deadline = 200ms;

  std::printf(
      "1. Coroutines A and B on one thread each lock a std::mutex and then\n"
      "   co_await a 50 ms nap while holding it. A naps; B blocks the thread\n"
      "   in lock(); A can never wake up to unlock. The watchdog steps in:\n");
  const int status = deadlock_in_child(deadline);
  std::printf(
      "   The child ended with exit status %d (%d: stopped by the watchdog).\n"
      "   Stopping the event loop could not help: the thread was not in the\n"
      "   loop, it was stuck inside std::mutex::lock().\n\n",
      status, lunch::protocol::deadline_exit_status);

  std::printf("2. The same two coroutines, unlocking before they co_await:\n");
  auto both = []() -> net::awaitable<void> {
    co_await (releases_before_await() && releases_before_await());
  };
  lunch::stopwatch sw;
  lunch::run(both(), {.deadline = 5s, .what = "two coroutines locking briefly"});
  std::printf("   done in %.0f ms, %d visits: the naps overlapped.\n\n", sw.ms(), visits);

  std::printf(
      "When the critical section itself must co_await, use a lock that\n"
      "suspends instead of blocking (the async_mutex exercise), or let a\n"
      "strand own the data.\n");
}
