// Demo 09/handler_tracking: Asio's own record of every handler.
//
// Compiled with BOOST_ASIO_ENABLE_HANDLER_TRACKING (this file only), Asio
// writes a line to stderr for each handler it creates ("0*3|steady_timer@
// 0x...async_wait": handler 3, made outside any handler), each time one
// starts (">3") or ends ("<3"), and each one destroyed without running
// ("~3"). A handler that was created and never started is work that is
// still waiting: after a hang, those lines are the suspects, with the
// object they wait on.
//
// The program below has three coroutines: a worker that finishes, a
// consumer that waits on a channel nobody sends to, and a waiter that
// waits on a "condition variable" timer nobody cancels. The loop runs for
// --deadline; the tracking lines are captured and the stuck handlers
// listed.
//
// Why only here: the macro changes the layout of Asio's internal types, so
// every translation unit of a program must agree on it. This one uses
// nothing of the support library that touches Asio (only demo_cli).
#define BOOST_ASIO_ENABLE_HANDLER_TRACKING 1

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

net::awaitable<void> worker() {
  net::steady_timer t(co_await net::this_coro::executor, 5ms);
  co_await t.async_wait(net::use_awaitable);
}

net::awaitable<void> consumer(net::experimental::channel<void(error_code, int)>& jobs) {
  co_await jobs.async_receive(net::use_awaitable);  // nobody ever sends
}

net::awaitable<void> waiter(net::steady_timer& wake_up) {
  error_code ec;  // a timer used as a condition variable; nobody cancels it
  co_await wake_up.async_wait(net::redirect_error(net::use_awaitable, ec));
}

constexpr const char* loop_stopped = "-- the loop stopped here --";
const char* const coroutine_names[] = {"worker", "consumer", "waiter"};  // spawn order

// Runs the three coroutines for `deadline` with stderr sent to `log`.
void run_tracked(std::chrono::milliseconds deadline, const std::string& log) {
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  std::FILE* f = std::fopen(log.c_str(), "w");
  dup2(fileno(f), STDERR_FILENO);
  {
    net::io_context ctx;
    net::experimental::channel<void(error_code, int)> jobs(ctx, 1);
    net::steady_timer wake_up(ctx, std::chrono::steady_clock::time_point::max());
    auto report = [](std::exception_ptr e) { if (e) std::rethrow_exception(e); };
    net::co_spawn(ctx, worker(), report);
    net::co_spawn(ctx, consumer(jobs), report);
    net::co_spawn(ctx, waiter(wake_up), report);
    ctx.run_for(deadline);  // bounded: returns at the deadline, work or not
    std::fflush(stderr);
    std::fprintf(stderr, "%s\n", loop_stopped);
    std::fflush(stderr);
  }  // the stuck handlers are cleaned up here: ">N" or "~N" lines after the mark
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fclose(f);
}

struct handler {
  std::string made_by, what;
  bool started = false;
};

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("handler_tracking",
                      "Asio handler tracking: which handlers were created and never ran.");
  auto deadline = 300ms;
  bool raw = false;
  cli.option("--deadline", deadline, "how long the event loop runs", 10, 10'000)
      .flag("--raw", raw, "print every @asio line as Asio wrote it");
  cli.parse(argc, argv);
  if (cli.smoke()) deadline = 50ms;

  const std::string log = "/tmp/lunch-handler-tracking-" + std::to_string(getpid()) + ".log";
  lunch::stopwatch sw;
  run_tracked(deadline, log);
  const double took = sw.ms();

  // Parse "@asio|time|A*B|object@addr.op" (B created by A), ">B|" (started),
  // "~B|" (destroyed without running). What happens after the mark is the
// clean-up of the stuck handlers, and does not count.
  std::map<unsigned long, handler> handlers;
  std::vector<std::string> lines;
  std::ifstream in(log);
  bool stopped = false;  // past the mark, only the clean-up is left
  for (std::string line; std::getline(in, line);) {
    if (line == loop_stopped) stopped = true;
    if (line.rfind("@asio|", 0) != 0) continue;
    lines.push_back(line);
    const auto a = line.find('|', 6), b = line.find('|', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string ids = line.substr(a + 1, b - a - 1);
    const std::string rest = line.substr(b + 1);
    if (stopped) continue;
    if (const auto star = ids.find('*'); star != std::string::npos) {
      handlers[std::stoul(ids.substr(star + 1))] = {ids.substr(0, star), rest};
    } else if (!ids.empty() && (ids[0] == '>' || ids[0] == '~')) {
      auto it = handlers.find(std::stoul(ids.substr(1)));
      if (it != handlers.end()) it->second.started = true;
    }
  }
  std::remove(log.c_str());

  std::printf("Handler tracking wrote %zu lines in %.0f ms (the loop ran %lld ms).\n",
              lines.size(), took, static_cast<long long>(deadline.count()));
  if (raw) {
    for (const auto& l : lines) std::printf("  %s\n", l.c_str());
  } else {
    std::printf("The first lines, as Asio writes them (--raw: all of them):\n");
    for (std::size_t i = 0; i < lines.size() && i < 8; ++i) std::printf("  %s\n", lines[i].c_str());
  }

  int ran = 0;
  std::vector<std::pair<unsigned long, handler>> stuck;
  for (const auto& [id, h] : handlers) {
    if (h.started) ++ran; else stuck.emplace_back(id, h);
  }
  // Which coroutine a handler belongs to: follow "made by" back to a root.
  auto owner = [&](unsigned long id) -> std::string {
    for (int hops = 0; hops < 100 && handlers.count(id) && handlers[id].made_by != "0"; ++hops)
      id = std::stoul(handlers[id].made_by);
    int root = 0;
    for (const auto& [i, h] : handlers) {
      if (h.made_by != "0") continue;
      if (i == id) return root < 3 ? coroutine_names[root] : "?";
      ++root;
    }
    return "?";
  };
  std::printf("\n%zu handlers created before the loop stopped, %d ran, %zu never ran:\n",
              handlers.size(), ran, stuck.size());
  std::printf("  %-6s %-9s %-10s %s\n", "id", "made by", "coroutine", "waiting on");
  for (const auto& [id, h] : stuck)
    std::printf("  #%-5lu #%-8s %-10s %s\n", id, h.made_by.c_str(), owner(id).c_str(),
                h.what.c_str());
  std::printf(
      "\nThe stuck ones wait on a channel's async_receive and a timer's\n"
      "async_wait: the consumer and the waiter. The addresses say which channel\n"
      "and which timer; `made by` leads back, handler by handler, to the\n"
      "co_spawn that started it all.\n");
}
