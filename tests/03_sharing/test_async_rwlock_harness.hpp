// The half of test_async_rwlock.cpp that does not depend on the exercise:
// the readers and writers, the room they visit, the queues, the cancelled
// writers. It is compiled once, with the course, so that `lunch check
// async_rwlock` compiles only the test cases and the learner's file. The
// lock comes in through a small interface.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace async_rwlock_harness {

namespace net = boost::asio;

// What the scenarios use of an async_rwlock and its guards; the test file
// implements it around the learner's class.
struct held {  // a guard: destroying it releases the lock
  virtual ~held() = default;
  virtual void unlock() = 0;
};
struct rwlock {
  virtual ~rwlock() = default;
  virtual net::awaitable<std::unique_ptr<held>> read_lock() = 0;
  virtual net::awaitable<std::unique_ptr<held>> write_lock() = 0;
};
// async_rwlock(ex), behind the interface.
using make_rwlock_fn = std::function<std::unique_ptr<rwlock>(net::any_io_executor)>;

// What the visits to the room saw. Each holder walks in, co_awaits inside
// and walks out; a visit that finds a reader beside a writer, or two
// writers, breaks the rules.
struct room {
  int broken = 0;  // visits that broke the rules
  int visits = 0;  // visits that ended
  int value = 0;   // each write visit adds 1
  std::vector<std::string> entries;  // who got in, in turn
};

struct meeting {
  int met = 0;  // readers that saw all the others inside with them
  int arrived_when_one_gave_up = 0;  // readers inside when one had waited 500 ms
};
// `expected` readers take the read lock and wait inside (500 ms at most)
// until all are in; on `threads` threads, deadline 5 s.
meeting readers_meet(const make_rwlock_fn& make, int expected, int threads,
                     const std::string& what);

struct writer_alone {
  room r;
  bool early = false;  // writer 1 got in while a reader held the lock
};
// A reader comes and goes; another holds the lock while writer 1 queues
// (20 ms inside); while writer 1 is inside, a reader and writer 2 arrive.
// Deadline 5 s.
writer_alone writer_waits_for_reader(const make_rwlock_fn& make);

struct late_readers {
  room r;
  int late_inside = 0;  // readers behind the waiting writer that got in before it
};
// Reader 1 holds the lock; a writer queues; readers 2, 3, 4 arrive behind
// it. Deadline 5 s.
late_readers reader_arrives_after_writer(const make_rwlock_fn& make);

// 6 readers and 2 writers visit `rounds` times each, on 4 threads;
// deadline 20 s. entries are not logged.
room mixed_crowd(const make_rwlock_fn& make, int rounds);

struct after_cancel {
  room r;
  std::string writer;           // how the cancelled writer's wait ended
  bool readers_got_in = false;  // the readers behind it got in in time
  bool writer_after = false;    // a new writer got the lock at the end
  std::string hang;             // the deadline's report, if the run hung
};
// Reader 1 holds a read lock; the writer queues, readers 2 and 3 arrive
// behind it; then the writer is cancelled (terminal). Deadline 2 s.
after_cancel cancel_writer_waiting_for_readers(const make_rwlock_fn& make);
// Writer 1 holds the lock; writer 2 queues, reader 3 behind it; writer 2 is
// cancelled, then writer 1 leaves. Deadline 2 s.
after_cancel cancel_writer_waiting_for_writer(const make_rwlock_fn& make);

struct hand_over {
  bool ran_inside_unlock = false;  // a waiter ran inside an unlock
  std::vector<std::string> order;  // who got the lock, in turn
};
// The last reader out hands the lock to writer 1; then the old holder's
// write lock goes to the queue (writer 2, reader 3) while it asks again at
// once and a newcomer (reader 4) arrives. Deadline 5 s.
hand_over hand_over_twice(const make_rwlock_fn& make);

struct waited {
  room r;
  double cpu_ms = 0, wall_ms = 0;  // the process's CPU time; the wall time
};
// A reader stays 200 ms; a writer waits for it. Deadline 5 s.
waited writer_waits_200ms(const make_rwlock_fn& make);

}  // namespace async_rwlock_harness
