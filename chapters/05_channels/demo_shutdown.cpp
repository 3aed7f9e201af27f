// Demo 05/shutdown: one message for every worker, one setting they all follow.
//
// Workers tick: each tick is a little work, and the pause between ticks is a
// setting that a controller changes while they run.
//   - The setting is a watch: the workers read the latest value at every
//     tick, and a monitor waits for changes and prints them. The controller
//     changes it three times in a row once: the monitor sees one change,
//     the latest value, because a watch keeps no history.
//   - "shutdown" is a broadcast: every worker gets it, even one that is busy
//     when it is sent (it is queued for that worker), and stops.
//
// Both are built here from per-subscriber channels, the other way from the
// one the exercises take: a watch where each follower's "changed" flag is a
// channel with room for one message (raising a flag that is already up
// changes nothing), and a broadcast that sends into every worker's inbox.
//
// A worker waits for "next tick, or a message" with a parallel group, not
// with `||`: when both complete at once, `||` keeps only one result and may
// drop the message; the group hands back both.
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using ms = std::chrono::milliseconds;

namespace {

using flag = net::experimental::channel<void(error_code)>;
using inbox = net::experimental::channel<void(error_code, std::string)>;

// A watched setting (one thread): the value, a version bumped by every
// set(), and one wake-up channel per follower. The owner calls set(); a
// follower waits with changed().
struct setting {
  explicit setting(ms initial) : value(initial) {}
  ms value;
  int version = 0;
  bool gone = false;
  std::vector<std::shared_ptr<flag>> flags;

  std::shared_ptr<flag> follow(net::any_io_executor ex) {
    flags.push_back(std::make_shared<flag>(std::move(ex), 1));
    return flags.back();
  }
  void set(ms v) {
    value = v;
    ++version;
    for (auto& f : flags) f->try_send(error_code{});  // fails when one is waiting already: fine
  }
  void close() {
    gone = true;
    for (auto& f : flags) f->cancel();  // wakes the waiting followers
  }
};

// True when the setting has a version newer than `seen` (now marked seen);
// false once the owner is gone. A wake-up only says "look again": after
// three quick sets, one may still be waiting in the channel although the
// follower already saw the third value, and the version says so.
net::awaitable<bool> changed(setting& s, flag& f, int& seen) {
  for (;;) {
    if (seen != s.version) {
      seen = s.version;
      co_return true;
    }
    if (s.gone) co_return false;
    co_await f.async_receive(net::as_tuple(net::use_awaitable));
  }
}

struct clocked {
  lunch::stopwatch clock;
  lunch::timeline tl;
  double shutdown_sent = 0;
};

net::awaitable<void> monitor(setting& s, std::shared_ptr<flag> f, clocked& c) {
  lunch::pending p("the monitor waits for a change of the setting");
  int seen = s.version;
  for (int before = seen; co_await changed(s, *f, seen); before = seen) {
    const int skipped = seen - before - 1;
    std::printf("  %5.0f ms  monitor: the pause is now %lld ms", c.clock.ms(),
                static_cast<long long>(s.value.count()));
    if (skipped > 0) std::printf(" (%d earlier value%s skipped: a watch keeps only the latest)",
                                 skipped, skipped == 1 ? "" : "s");
    std::printf("\n");
  }
  std::printf("  %5.0f ms  monitor: the setting's owner is gone; stopping\n", c.clock.ms());
}

net::awaitable<void> worker(int id, setting& s, inbox& messages, clocked& c) {
  auto ex = co_await net::this_coro::executor;
  const std::string name = "worker " + std::to_string(id);
  lunch::pending p(name + " ticks");
  net::steady_timer pause(ex);
  int ticks = 0;
  for (;;) {
    {
      auto span = c.tl.span("tick", name);
      ++ticks;  // the work of one tick
    }
    pause.expires_after(s.value);  // the latest setting, read at every tick
    auto span = c.tl.span("pause", name, "the next tick or a message");
    auto [order, ec_pause, ec_msg, msg] =
        co_await net::experimental::make_parallel_group(
            pause.async_wait(net::deferred), messages.async_receive(net::deferred))
            .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
    // Look at the message's own result, not only at who finished first:
    // both may have completed, and the message must not be dropped.
    if (!ec_msg) {
      std::printf("  %5.0f ms  %s: got \"%s\" %.0f ms after it was sent, after %d ticks\n",
                  c.clock.ms(), name.c_str(), msg.c_str(), c.clock.ms() - c.shutdown_sent, ticks);
      if (msg == "shutdown") co_return;
    }
  }
}

net::awaitable<void> controller(setting& s, std::vector<std::unique_ptr<inbox>>& inboxes,
                                clocked& c, ms run) {
  const ms first = s.value;
  co_await lunch::nap(run / 3);
  std::printf("  %5.0f ms  controller: pause %lld, then %lld, then %lld ms\n", c.clock.ms(),
              static_cast<long long>((first * 6 / 10).count()),
              static_cast<long long>((first * 4 / 10).count()),
              static_cast<long long>((first * 2 / 10).count()));
  s.set(first * 6 / 10);
  s.set(first * 4 / 10);
  s.set(first * 2 / 10);
  co_await lunch::nap(run / 3);
  std::printf("  %5.0f ms  controller: pause back to %lld ms\n", c.clock.ms(),
              static_cast<long long>(first.count()));
  s.set(first);
  co_await lunch::nap(run / 3);
  c.shutdown_sent = c.clock.ms();
  std::printf("  %5.0f ms  controller: broadcast \"shutdown\"\n", c.shutdown_sent);
  // The broadcast: the same message into every worker's inbox, where it
  // waits for a worker that is busy right now. async_send, not try_send:
  // in Boost 1.81 a buffered channel whose receive was just cancelled (the
  // worker's pause won the group) refuses try_send until its owner
  // receives again (asio #1241, fixed in 1.82). async_send waits for that;
  // try_send would fail, and the worker would never hear of the shutdown.
  for (auto& box : inboxes) co_await box->async_send(error_code{}, "shutdown", net::use_awaitable);
  s.close();
}

net::awaitable<void> run_all(int workers, ms pace, ms run, clocked& c) {
  auto ex = co_await net::this_coro::executor;
  setting s(pace);
  std::vector<std::unique_ptr<inbox>> inboxes;
  lunch::task_group group(ex);
  group.spawn(monitor(s, s.follow(ex), c));
  for (int w = 1; w <= workers; ++w) {
    inboxes.push_back(std::make_unique<inbox>(ex, 4));
    group.spawn(worker(w, s, *inboxes.back(), c));
  }
  group.spawn(controller(s, inboxes, c, run));
  co_await group.wait();
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("shutdown", "A broadcast stops every worker; a watch hands them a new setting.");
  int workers = 3;
  ms pace = 100ms, run = 900ms;
  cli.option("--workers", workers, "how many workers tick", 1, 100)
      .option("--pace", pace, "the first pause between two ticks", 10, 10000)
      .option("--run", run, "how long the workers run before the shutdown", 30, 60000);
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) {
    workers = 2;
    pace = 10ms;
    run = 60ms;
  }
  std::printf("%d workers tick every %lld ms; a controller changes the pause, then "
              "shuts them all down.\n\n",
              workers, static_cast<long long>(pace.count()));
  clocked c;
  lunch::run(run_all(workers, pace, run, c), {.deadline = run + 10s, .what = "the workers"});
  std::printf("\nEvery worker got the one \"shutdown\" and stopped at its next wait.\n");
  lunch::show(cli, c.tl);
}
