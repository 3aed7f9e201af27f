// The half of test_async_semaphore.cpp that does not depend on the exercise:
// the holders, waiters and scenarios that only acquire and release, compiled
// once with the course. The learner's async_semaphore comes in behind the
// small interface below.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace async_semaphore_harness {

namespace net = boost::asio;

// A permit of the semaphore under test; destroying it gives it back.
struct permit {
  virtual ~permit() = default;
  virtual void release() = 0;
};
using permit_ptr = std::unique_ptr<permit>;

// The semaphore under test. try_acquire() returns null for "no permit free".
struct semaphore {
  virtual ~semaphore() = default;
  virtual net::awaitable<permit_ptr> acquire() = 0;
  virtual permit_ptr try_acquire() = 0;
};
// Makes a semaphore with `permits` permits on `ex`.
using make_semaphore = std::function<std::unique_ptr<semaphore>(net::any_io_executor, std::size_t)>;

// How many permits are free now: takes them all, then gives them back.
// Capped, so a semaphore that never runs out cannot loop forever.
std::size_t count_free(semaphore& s);

// "1, 2, 3": a list of ints for a failure message.
std::string list(const std::vector<int>& v);

// How many holders were inside at once. Atomics: the tests on 4 threads
// share it.
struct occupancy {
  std::atomic<int> inside{0};
  std::atomic<int> peak{0};
  void enter() {
    const int now = ++inside;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { --inside; }
};

// `tasks` tasks share 3 permits, each holding one `rounds` times and
// suspending while it holds it: a nap when `nap_inside`, else a post every
// 8th round (many rounds, little time). Afterwards, how many are free.
net::awaitable<void> share_three(make_semaphore make, occupancy& o, int tasks, int rounds,
                                 bool nap_inside, std::size_t& free_after);

// 8 waiters (0..7) queue one at a time behind 2 held permits, which are then
// given back: the order in which they got a permit.
net::awaitable<void> queue_behind_held_permits(make_semaphore make, std::vector<int>& order);

// The holder gives its permit back and, in the same step, a newcomer tries
// to take it and the holder asks again. The oldest waiter must get it.
struct handoff_log {
  std::vector<int> order;
  bool newcomer_took_it = false;
};
inline constexpr int releaser_id = 90;
inline constexpr int newcomer_id = 91;
// 4 waiters (0..3) queued behind the only permit when it is released.
net::awaitable<void> release_and_ask_again(make_semaphore make, handoff_log& log);

struct inline_probe {
  bool releasing = false;
  bool waiter_ran_inside_release = false;
  bool waiter_got_it = false;
};
// One waiter behind the holder; whether it ran inside the holder's release().
net::awaitable<void> release_while_watching(make_semaphore make, inline_probe& probe);

struct crowd {
  int got = 0;
  int ticks = 0;
  double cpu_ms = 0;   // used by the process while the waiters waited
  double wall_ms = 0;
};
// 100 waiters queued behind 2 held permits while a coroutine naps 10 x 30 ms.
net::awaitable<void> hundred_waiters(make_semaphore make, crowd& c);

// Three tasks want one permit, on 4 threads, over and over. Each round ends
// only when all three were served, so a waiter that queued just as the
// last permit came back, and was never woken, hangs the round.
net::awaitable<void> short_rounds(make_semaphore make, int rounds, int& completed);

}  // namespace async_semaphore_harness
