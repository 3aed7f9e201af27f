// The half of test_async_mutex.cpp that does not depend on the exercise: the
// holders, the queues of waiters, the cancelled waiter and the crowd. It is
// compiled once, with the course, so that `lunch check async_mutex` compiles
// only the test cases and the learner's file. The mutex comes in through a
// small interface.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace async_mutex_harness {

namespace net = boost::asio;

// What the scenarios use of an async_mutex and its guard; the test file
// implements it around the learner's class.
struct held {  // a guard: destroying it releases the lock
  virtual ~held() = default;
  virtual void unlock() = 0;
};
struct mutex {
  virtual ~mutex() = default;
  virtual net::awaitable<std::unique_ptr<held>> lock() = 0;
  virtual std::unique_ptr<held> try_lock() = 0;  // nullptr: not taken
};
// async_mutex(ex), behind the interface.
using make_mutex_fn = std::function<std::unique_ptr<mutex>(net::any_io_executor)>;

// What the holders saw.
struct tally {
  int most_inside = 0;  // holders inside the critical section at once
  int total = 0;        // a plain int that each holder adds 1 to, across a co_await
};
// `tasks` tasks each take the lock `rounds` times and suspend while they
// hold it, on `threads` threads, within `deadline`; `what` names the run.
tally many_take_turns(const make_mutex_fn& make, int tasks, int rounds, int threads,
                      std::chrono::milliseconds deadline, const std::string& what);

struct queue_log {
  std::vector<int> order;        // who got the lock, in turn
  bool overlapped = false;       // someone got it while the starter held it
  bool ran_inside_unlock = false;  // a waiter ran inside the starter's unlock()
  // "0, 1, 2": order, for a message.
  std::string order_text() const;
};
struct hand_over {
  queue_log log;
  bool try_lock_barged = false;  // try_lock() right after unlock() took the lock
};
// The starter holds the lock while waiters 0..7 queue up, one at a time.
// Then it unlocks, at once tries to barge back in (try_lock), lets a
// newcomer (8) ask, and asks again itself (100). Deadline 5 s.
hand_over hand_over_to_queue(const make_mutex_fn& make);

struct cancel_log {
  queue_log queue;
  std::string cancelled_waiter;  // how_it_ended, seen before the unlock
  bool free_at_the_end = false;
  std::string hang;              // the deadline's report, if the run hung
};
// Waiters 1, 2 and 3 queue behind the starter; waiter 2 is cancelled
// (terminal) while it waits. Then the starter unlocks. Deadline 2 s.
cancel_log cancel_a_waiter(const make_mutex_fn& make);

struct after_a_throw {
  bool threw = false;      // the holder's exception was caught outside its lock
  std::size_t served = 0;  // waiters that got the lock afterwards (1 queued)
};
// A holder throws inside the lock after 10 ms, while one waiter is queued.
// Deadline 5 s.
after_a_throw next_waiter_after_a_throw(const make_mutex_fn& make);

struct crowd {
  int got = 0;             // waiters that got the lock
  int got_while_held = 0;  // ... while the starter still held it
  int ticks = 0;           // naps of the starter while they waited
  double cpu_ms = 0, wall_ms = 0;  // the process's CPU time; the wall time
};
// `waiters` queue while the lock is held; meanwhile the holder naps `ticks`
// times for `tick`, which it can only do if nobody blocks the thread.
// Deadline 5 s; `what` names the run.
crowd crowd_waits(const make_mutex_fn& make, int waiters, int ticks,
                  std::chrono::milliseconds tick, const std::string& what);

}  // namespace async_mutex_harness
