// The half of test_strand_counter.cpp that does not depend on the exercise:
// the adding and reading tasks, the watcher of every change, and the turns
// that catch a total() read off the strand. It is compiled once, with the
// course, so that `lunch check strand_counter` compiles only the test cases
// and the learner's file. The counter comes in through a small interface.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace strand_counter_harness {

namespace net = boost::asio;

// What the scenarios use of a strand_counter; the test file implements it
// around the learner's class.
struct counter {
  virtual ~counter() = default;
  virtual net::strand<net::any_io_executor> get_strand() const = 0;
  virtual net::awaitable<long> add(long n) = 0;
  virtual net::awaitable<long> total() = 0;
};
// strand_counter(ex, on_change), behind the interface.
using make_counter_fn =
    std::function<std::unique_ptr<counter>(net::any_io_executor, std::function<void(long)>)>;

// add(5), add(-2), total() on one thread: what each returned. Deadline 5 s.
std::vector<long> add_and_read(const make_counter_fn& make);

// What the tasks of a scenario saw.
struct counted {
  int changes = 0;         // calls of on_change
  int off_strand = 0;      // ... not on the counter's strand
  int overlapped = 0;      // ... while another was running
  int away_from_home = 0;  // add() or total() calls after which the caller was elsewhere
  long total = 0;          // total() at the end
  int repeated = 0;        // totals from 1 to N that add() returned more than once
  int missing = 0;         // ... never
  int reads = 0;           // the readers' total() calls
  int went_down = 0;       // ... that returned less than the one before
  int above_final = 0;     // ... that returned more than the final total
};

// 10 tasks, each on a strand of its own, add 1 fifty times; then 10 tasks
// on a thread pool of 2 do the same with a second counter. Each on 4
// threads, deadline 5 s. changes, off_strand and overlapped count both.
counted own_strands_then_pool(const make_counter_fn& make);

// 400 tasks on strands of their own add 1 a hundred times; 4 threads,
// deadline 15 s.
counted four_hundred_tasks(const make_counter_fn& make);

// 8 tasks add 1 two hundred times while 2 tasks read the total until they
// are done; each on a strand of its own, 4 threads, deadline 10 s.
counted adding_while_reading(const make_counter_fn& make);

struct read_turn {
  long read = -1;                // what total() returned
  long finished_when_read = -1;  // the last change whose on_change had returned then
};
// Change 1 is held on the strand while a reader on another thread calls
// total() and someone adds again (change 2, held too); 2 threads, deadline
// 5 s. total() must return 1, after change 1 has finished.
read_turn read_during_changes(const make_counter_fn& make);

}  // namespace strand_counter_harness
