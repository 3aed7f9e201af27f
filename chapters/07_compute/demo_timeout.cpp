// Demo 07/timeout: a timeout does not stop a computation unless it cooperates.
//
// A job of --steps steps (each computes for --step ms) races a --timeout ms
// timer: `co_await (timeout() || job())`. When the timer wins, `||` cancels
// the job and then waits for it to finish: `||` always waits for its loser.
// So how soon `||` returns depends on the job alone. Four jobs:
//   inline           on the io thread, no co_await inside: the timer is due,
//                    but cannot fire until the job is over, and the job wins
//   pool             offloaded, not listening for the cancellation: the timer
//                    fires on time, and `||` still waits for every step
//   inline+checks    on the io thread, `co_await post` between steps: the
//                    cancellation lands at the next one, which throws
//   pool+stop flag   offloaded; the timeout raises a flag that the job reads
//                    between steps (the cooperative_cancel exercise listens
//                    to Asio's own cancellation instead)
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

// Busy on purpose, as in demo_heartbeat: no co_await inside.
void compute_for(ms how_long) {
  const auto until = clock_type::now() + how_long;
  volatile std::uint64_t h = 1469598103934665603ull;
  while (clock_type::now() < until)
    for (std::uint64_t i = 0; i < 1000; ++i) h = (h ^ i) * 1099511628211ull;
}

struct settings {
  int steps = 20;
  ms step = 25ms, timeout = 100ms;
};

// One race: what the job did, seen from both threads.
struct job_state {
  settings s;
  lunch::timeline& tl;
  std::string lane;
  std::atomic<int> done{0};
  std::atomic<bool> stop{false};
  std::string ended = "finished";
};

// Runs f() on `pool` and completes, on the caller's executor, with what
// it returned or threw: chapter 07's spawn_blocking as a token-generic
// operation. It takes no cancellation, like Tokio's spawn_blocking: a
// `||` around it waits for f to finish.
template <class F, class Token>
auto async_run_on(net::any_io_executor pool, F f, Token&& token) {
  auto initiation = [](auto handler, net::any_io_executor pool, F f) {
    net::post(pool, [f = std::move(f), handler = std::move(handler)]() mutable {
      std::exception_ptr error;
      try {
        f();
      } catch (...) {
        error = std::current_exception();
      }
      net::dispatch(net::append(std::move(handler), error));
    });
  };
  return net::async_initiate<Token, void(std::exception_ptr)>(
      initiation, token, std::move(pool), std::move(f));
}

// The steps, for a pool thread. Reads the flag between steps only when asked to.
struct steps_on_pool {
  job_state* st;
  bool check_flag;
  void operator()() const {
    auto span = st->tl.span("job", st->lane + " job");
    for (int i = 0; i < st->s.steps; ++i) {
      if (check_flag && st->stop) {
        st->ended = "stopped by the flag";
        return;
      }
      compute_for(st->s.step);
      ++st->done;
    }
  }
};

net::awaitable<void> inline_job(job_state& st, bool checkpoints) {
  auto ex = co_await net::this_coro::executor;
  auto span = st.tl.span("job", st.lane + " job");
  try {
    for (int i = 0; i < st.s.steps; ++i) {
      compute_for(st.s.step);
      ++st.done;
      // A checkpoint: a suspension point, where a cancellation lands.
      if (checkpoints && i + 1 < st.s.steps) co_await net::post(ex, net::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    st.ended = e.code().message() + " at a checkpoint";
    throw;
  }
}

net::awaitable<void> pool_job(net::any_io_executor pool, job_state& st, bool check_flag) {
  co_await async_run_on(pool, steps_on_pool{&st, check_flag}, net::use_awaitable);
}

net::awaitable<void> timeout(job_state& st, bool raise_flag) {
  {
    auto span = st.tl.span("timeout", st.lane + " timer", "a timer");
    net::steady_timer t(co_await net::this_coro::executor, st.s.timeout);
    co_await t.async_wait(net::use_awaitable);
  }
  if (raise_flag) st.stop = true;
}

enum class way { inline_, pool, inline_checks, pool_flag };

net::awaitable<void> race(way w, net::any_io_executor pool, job_state& st) {
  using namespace net::experimental::awaitable_operators;
  lunch::stopwatch sw;
  std::size_t winner = 0;
  switch (w) {
    case way::inline_:
      winner = (co_await (timeout(st, false) || inline_job(st, false))).index();
      break;
    case way::pool:
      winner = (co_await (timeout(st, false) || pool_job(pool, st, false))).index();
      break;
    case way::inline_checks:
      winner = (co_await (timeout(st, false) || inline_job(st, true))).index();
      break;
    case way::pool_flag:
      winner = (co_await (timeout(st, true) || pool_job(pool, st, true))).index();
      break;
  }
  std::printf("  %-16s %6.0f ms   %-8s %3d of %-3d   %s\n", st.lane.c_str(), sw.ms(),
              winner == 0 ? "timeout" : "job", st.done.load(), st.s.steps, st.ended.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("timeout", "A timeout does not stop a computation unless it cooperates.");
  settings s;
  cli.option("--steps", s.steps, "steps in the job", 1, 10'000)
      .option("--step", s.step, "how long each step computes", 1, 10'000)
      .option("--timeout", s.timeout, "the timeout", 1, 60'000);
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) s = {4, 5ms, 10ms};

  std::printf("A job of %d steps x %lld ms races a %lld ms timeout: "
              "co_await (timeout() || job())\n\n", s.steps,
              static_cast<long long>(s.step.count()), static_cast<long long>(s.timeout.count()));
  std::printf("  %-16s %9s   %-8s %-10s   %s\n", "the job", "|| took", "winner",
              "steps run", "how the job ended");
  net::thread_pool pool(1);
  lunch::timeline tl;
  const std::pair<way, const char*> ways[] = {
      {way::inline_, "inline"},
      {way::pool, "pool"},
      {way::inline_checks, "inline+checks"},
      {way::pool_flag, "pool+stop flag"}};
  for (auto [w, name] : ways) {
    job_state st{s, tl, name};
    lunch::run(race(w, pool.get_executor(), st),
               {.deadline = s.step * s.steps * 3 + 10s, .what = name});
  }
  std::printf(
      "\nOnly the jobs with checkpoints stop near the timeout. Offloading alone\n"
      "frees the io thread, so the timer fires on time, but `||` then waits for\n"
      "its loser, and nothing told the pool thread to stop.\n");
  pool.join();
  lunch::show(cli, tl);
}
