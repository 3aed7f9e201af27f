// Demo 09/deadlocks: the six classic deadlocks, caught and named.
//
// A deadlock does not crash and prints nothing: the program just stops
// moving. Each case below runs its broken version under lunch::run's
// deadline. Every wait is marked with a lunch::pending, so when the
// deadline passes the watchdog's report says who waits for what, which
// is most of the diagnosis. Then the fixed version runs to the end.
//
//   std_mutex        a std::mutex held across co_await (blocks the thread)
//   lock_twice       a task locks an async mutex it already holds
//   read_then_write  a reader asks for the write lock of the same rwlock
//   lock_order       two tasks take two locks in opposite orders
//   bounded_queue    a bounded queue filled before anyone reads it
//   circular_wait    three tasks, each waiting for a message from the next
//
// `--case NAME` runs one of them. --timeline shows the waits: the broken
// ones end only when the watchdog tears the event loop down.
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/timeline.hpp"
#include "lunch/watchdog.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using ms = std::chrono::milliseconds;

namespace {

lunch::timeline tl;  // every wait of every case, for --timeline / --trace

// A wait that is both named for the watchdog and drawn on the timeline.
struct waiting {
  lunch::pending marker;
  lunch::timeline::scoped_span span;
  waiting(const std::string& lane, const std::string& what)
      : marker(lane + ": " + what), span(tl.span(what, lane, what)) {}
};

// ----------------------------------------------------- small primitives
// One thread is enough for every async case, so the plain channel will do.

// An async mutex: a channel with room for one token (chapter 03).
class mutex {
 public:
  explicit mutex(net::any_io_executor ex) : slot_(std::move(ex), 1) {}
  struct guard {
    mutex* m;
    guard(guard&& o) noexcept : m(std::exchange(o.m, nullptr)) {}
    explicit guard(mutex* x) : m(x) {}
    ~guard() { if (m) m->slot_.try_receive([](error_code) {}); }
  };
  net::awaitable<guard> lock() {
    co_await slot_.async_send(error_code{}, net::use_awaitable);
    co_return guard(this);
  }

 private:
  net::experimental::channel<void(error_code)> slot_;
};

// A reader-writer lock: state plus a timer that never fires, used as a
// condition variable (cancel() wakes every waiter).
class rwlock {
 public:
  explicit rwlock(net::any_io_executor ex)
      : changed_(std::move(ex), std::chrono::steady_clock::time_point::max()) {}
  struct guard {
    rwlock* l;
    bool writer;
    guard(rwlock* x, bool w) : l(x), writer(w) {}
    guard(guard&& o) noexcept : l(std::exchange(o.l, nullptr)), writer(o.writer) {}
    ~guard() {
      if (!l) return;
      if (writer) l->writer_ = false; else --l->readers_;
      l->changed_.cancel();
    }
  };
  net::awaitable<guard> read() {
    while (writer_) co_await changed();
    ++readers_;
    co_return guard(this, false);
  }
  net::awaitable<guard> write() {
    while (writer_ || readers_ > 0) co_await changed();
    writer_ = true;
    co_return guard(this, true);
  }

 private:
  net::awaitable<void> changed() {
    error_code woken;
    co_await changed_.async_wait(net::redirect_error(net::use_awaitable, woken));
  }
  net::steady_timer changed_;
  int readers_ = 0;
  bool writer_ = false;
};

using int_channel = net::experimental::channel<void(error_code, int)>;

// Starts `task` beside the caller; its exception, if any, leaves run().
void spawn(net::awaitable<void> task, net::any_io_executor ex) {
  net::co_spawn(ex, std::move(task), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
}

// ------------------------------------------------------------- lock_twice

net::awaitable<int> balance_locked(mutex& m, int& balance) {
  waiting w("lock_twice", "balance() waits for the mutex its caller holds");
  auto g = co_await m.lock();
  co_return balance;
}

// BROKEN: withdraw() holds the lock and calls balance(), which locks again.
net::awaitable<void> lock_twice_broken() {
  mutex m(co_await net::this_coro::executor);
  int balance = 100;
  auto g = co_await m.lock();
  if (co_await balance_locked(m, balance) >= 30) balance -= 30;
}

// FIXED: a helper called under the lock does not lock; it says so in its
// name ("_held"), and the caller passes the proof, its guard.
int balance_held(const mutex::guard&, int balance) { return balance; }

net::awaitable<void> lock_twice_fixed() {
  mutex m(co_await net::this_coro::executor);
  int balance = 100;
  auto g = co_await m.lock();
  if (balance_held(g, balance) >= 30) balance -= 30;
}

// -------------------------------------------------------- read_then_write

// BROKEN: the read guard is still alive when the write lock is asked for.
net::awaitable<void> read_then_write_broken() {
  rwlock l(co_await net::this_coro::executor);
  int cache = 0;
  auto r = co_await l.read();
  if (cache == 0) {
    waiting w("read_then_write", "write() waits for the readers, itself included");
    auto wr = co_await l.write();
    cache = 42;
  }
}

// FIXED: the read guard goes first (Rust's drop(r)), and the condition is
// checked again under the write lock: someone may have filled it between.
net::awaitable<void> read_then_write_fixed() {
  rwlock l(co_await net::this_coro::executor);
  int cache = 0;
  std::optional<rwlock::guard> r(co_await l.read());
  if (cache == 0) {
    r.reset();
    auto wr = co_await l.write();
    if (cache == 0) cache = 42;
  }
}

// ------------------------------------------------------------- lock_order

net::awaitable<void> move(mutex& first, mutex& second, std::string name,
                          std::string a, std::string b) {
  auto g1 = co_await first.lock();
  co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
  waiting w("lock_order " + name, name + " holds " + a + ", waits for " + b);
  auto g2 = co_await second.lock();
}

// BROKEN: task 1 locks A then B, task 2 locks B then A.
net::awaitable<void> lock_order_broken() {
  auto ex = co_await net::this_coro::executor;
  mutex a(ex), b(ex);
  spawn(move(a, b, "task 1", "A", "B"), ex);
  co_await move(b, a, "task 2", "B", "A");
  co_await lunch::nap(24h);  // stand-in for joining task 1
}

// FIXED: everyone takes A before B.
net::awaitable<void> lock_order_fixed() {
  auto ex = co_await net::this_coro::executor;
  mutex a(ex), b(ex);
  lunch::task_group both(ex);
  both.spawn(move(a, b, "task 1", "A", "B"));
  both.spawn(move(a, b, "task 2", "A", "B"));
  co_await both.wait();
}

// ---------------------------------------------------------- bounded_queue

net::awaitable<void> read_all(int_channel& q, int n) {
  for (int i = 0; i < n; ++i) co_await q.async_receive(net::use_awaitable);
}

net::awaitable<void> send_all(int_channel& q, int n) {
  for (int i = 0; i < n; ++i) {
    waiting w("bounded_queue", "the producer waits for room to send item " +
                                   std::to_string(i + 1) + " of " + std::to_string(n));
    co_await q.async_send(error_code{}, i, net::use_awaitable);
  }
}

// BROKEN: 10 items into a queue of 3, and the reading starts afterwards.
net::awaitable<void> bounded_queue_broken() {
  int_channel q(co_await net::this_coro::executor, 3);
  co_await send_all(q, 10);
  co_await read_all(q, 10);
}

// FIXED: the reader runs beside the producer.
net::awaitable<void> bounded_queue_fixed() {
  auto ex = co_await net::this_coro::executor;
  int_channel q(ex, 3);
  lunch::task_group reader(ex);
  reader.spawn(read_all(q, 10));
  co_await send_all(q, 10);
  co_await reader.wait();
}

// ---------------------------------------------------------- circular_wait

// Each task waits for a message from its left neighbour, then passes one on.
net::awaitable<void> ring_member(std::string name, std::string from, int_channel& in,
                                 int_channel& out, bool starts) {
  if (starts) co_await out.async_send(error_code{}, 1, net::use_awaitable);
  {
    waiting w("circular_wait " + name, name + " waits for a message from " + from);
    co_await in.async_receive(net::use_awaitable);
  }
  if (!starts) co_await out.async_send(error_code{}, 1, net::use_awaitable);
}

net::awaitable<void> ring(bool someone_starts) {
  auto ex = co_await net::this_coro::executor;
  int_channel ab(ex, 1), bc(ex, 1), ca(ex, 1);
  lunch::task_group all(ex);
  all.spawn(ring_member("A", "C", ca, ab, someone_starts));
  all.spawn(ring_member("B", "A", ab, bc, false));
  all.spawn(ring_member("C", "B", bc, ca, false));
  co_await all.wait();
}

// BROKEN: A waits for C, C for B, B for A. FIXED: A sends first.
net::awaitable<void> circular_wait_broken() { co_await ring(false); }
net::awaitable<void> circular_wait_fixed() { co_await ring(true); }

// -------------------------------------------------------------- std_mutex

std::mutex big_lock;

net::awaitable<void> holds_std_mutex(std::string name) {
  lunch::pending p("std_mutex: " + name + " waits in std::mutex::lock(), blocking the thread");
  std::lock_guard g(big_lock);
  p.set("std_mutex: " + name + " holds the std::mutex across a co_await");
  co_await lunch::nap(10ms);
}

net::awaitable<void> std_mutex_broken() {
  auto ex = co_await net::this_coro::executor;
  lunch::task_group both(ex);
  both.spawn(holds_std_mutex("task 1"));
  both.spawn(holds_std_mutex("task 2"));
  co_await both.wait();
}

net::awaitable<void> std_mutex_fixed() {  // lock, change, unlock; then wait
  auto ex = co_await net::this_coro::executor;
  auto brief = []() -> net::awaitable<void> {
    { std::lock_guard g(big_lock); }
    co_await lunch::nap(10ms);
  };
  lunch::task_group both(ex);
  both.spawn(brief());
  both.spawn(brief());
  co_await both.wait();
}

// ------------------------------------------------------------ the runner

struct deadlock_case {
  const char* name;
  const char* what;
  const char* fix;
  std::function<net::awaitable<void>()> broken, fixed;
  bool blocks_thread = false;
};

std::vector<deadlock_case> all_cases() {
  return {
      {"std_mutex", "a std::mutex held across co_await, two tasks, one thread",
       "lock, change, unlock, and only then co_await", std_mutex_broken, std_mutex_fixed, true},
      {"lock_twice", "withdraw() holds the lock and calls balance(), which locks it again",
       "the helper works under the caller's lock (takes its guard)", lock_twice_broken,
       lock_twice_fixed},
      {"read_then_write", "a reader asks for the write lock of the same rwlock",
       "drop the read guard, then re-check under the write lock", read_then_write_broken,
       read_then_write_fixed},
      {"lock_order", "task 1 locks A then B, task 2 locks B then A",
       "one order for everyone: A before B", lock_order_broken, lock_order_fixed},
      {"bounded_queue", "10 items into a queue of 3, read only after sending",
       "start the reader before (or beside) the producer", bounded_queue_broken,
       bounded_queue_fixed},
      {"circular_wait", "A waits for C, C for B, B for A",
       "someone moves first: A sends before it waits", circular_wait_broken,
       circular_wait_fixed},
  };
}

// The "  - ..." lines of a deadline report: the waits still pending.
std::vector<std::string> stuck_lines(const std::string& report) {
  std::vector<std::string> lines;
  std::istringstream in(report);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("  - ", 0) == 0) lines.push_back(line.substr(4));
  return lines;
}

// The std::mutex case blocks the only thread, so no event loop can report
// it: it runs in a child process under lunch::within, which prints the
// report and ends the child. Its stderr comes back through a pipe.
std::string run_blocking_in_child(const deadlock_case& c, ms deadline) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    net::io_context ctx;
    spawn(c.broken(), ctx.get_executor());
    lunch::within(deadline, c.name, [&] { ctx.run(); });
    std::_Exit(0);
  }
  close(fds[1]);
  std::string report;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) report.append(buf, std::size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return report;
}

struct outcome {
  std::string name;
  bool deadlocked = false;
  double stopped_after_ms = 0;
  std::size_t stuck = 0;
  double fixed_ms = 0;
};

outcome run_case(const deadlock_case& c, ms deadline) {
  outcome o{c.name};
  std::printf("[%s] %s\n", c.name, c.what);
  lunch::stopwatch sw;
  std::string report;
  if (c.blocks_thread) {
    report = run_blocking_in_child(c, deadline);
  } else {
    try {
      lunch::run(c.broken(), {.deadline = deadline, .what = c.name});
    } catch (const lunch::deadline_exceeded& e) {
      report = e.what();
    }
  }
  o.stopped_after_ms = sw.ms();
  o.deadlocked = !report.empty();
  const auto lines = stuck_lines(report);
  o.stuck = lines.size();
  if (o.deadlocked) {
    std::printf("  broken: DEADLOCK, stopped by the watchdog after %.0f ms. Still waiting:\n",
                o.stopped_after_ms);
    for (const auto& l : lines) std::printf("    - %s\n", l.c_str());
  } else {
    std::printf("  broken: finished (no deadlock this time)\n");
  }
  lunch::stopwatch fixed;
  lunch::run(c.fixed(), {.deadline = 5s, .what = std::string(c.name) + " (fixed)"});
  o.fixed_ms = fixed.ms();
  std::printf("  fixed:  %s: done in %.1f ms\n\n", c.fix, o.fixed_ms);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("deadlocks", "The six classic deadlocks, each caught by the watchdog.");
  ms deadline = 500ms;
  std::string only;
  cli.option("--deadline", deadline, "how long each broken case may hang", 50, 10'000)
      .option("--case", only,
              "run one case: std_mutex, lock_twice, read_then_write, lock_order, "
              "bounded_queue, circular_wait")
      .offer_timeline();
  cli.parse(argc, argv);
  if (cli.smoke()) deadline = 100ms;

  auto cases = all_cases();
  if (!only.empty()) {
    std::erase_if(cases, [&](const deadlock_case& c) { return c.name != only; });
    if (cases.empty()) {
      std::fprintf(stderr, "demo deadlocks: --case: no case named '%s' (see --help)\n",
                   only.c_str());
      return 2;
    }
  }

  std::vector<outcome> results;
  for (const auto& c : cases) results.push_back(run_case(c, deadline));

  std::printf("%-16s %-10s %14s %12s %14s\n", "case", "broken", "caught after", "stuck waits",
              "fixed: took");
  for (const auto& o : results)
    std::printf("%-16s %-10s %11.0f ms %12zu %11.1f ms\n", o.name.c_str(),
                o.deadlocked ? "deadlock" : "finished", o.stopped_after_ms, o.stuck, o.fixed_ms);
  lunch::show(cli, tl);
}
