// Exercise 03_sharing/strand_counter
//
// A strand is an executor that never runs two of its handlers at the same
// time, whichever threads run the io_context underneath. State that only
// code on one strand touches needs no lock: the strand takes the turns.
// This is Asio's everyday answer to "many tasks on many threads update one
// thing" (in Tokio you would reach for an Arc<Mutex<_>> or an actor task).
//
// `strand_counter` keeps a running total that tasks on any thread add to.
// Its private `apply()` is the one place that touches the total, and it is
// not thread-safe on purpose: it must only ever run on the counter's strand.
//
// Write `add(n)` and `total()` so that they run their part on `strand_`
// and then come back to the caller's own executor.
//
// Done when:
//   - every call of apply() runs on `strand_`, whoever calls add(): tasks
//     on strands of their own, or on a separate thread pool (the tests
//     check `get_strand().running_in_this_thread()` inside `on_change`);
//   - 4 threads x 100 tasks x 100 increments add up to exactly 40'000, and
//     each add() returns the total just after its own addition;
//   - total() takes its turn on the strand like a change does: while a
//     change is running there, it waits, so it never returns a total whose
//     change has not finished; read while additions fly from other threads,
//     the total it sees only grows;
//   - callers never block: they suspend until their turn on the strand, and
//     then carry on on their own executor, not on the counter's strand.
//
// Pitfall: `co_await net::post(strand_, net::use_awaitable)` looks like
// "move me onto the strand", but a coroutine always resumes through its
// own executor. On the strand's own io_context that happens to run inside
// the strand's turn; called from a thread pool, it does not. Making a new
// strand in every call serialises nothing, either.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

class strand_counter {
 public:
  using strand_type = net::strand<net::any_io_executor>;

  // `on_change(total)` hears of every change (a log line, a metrics gauge):
  // it runs on the counter's strand, one call at a time.
  explicit strand_counter(net::any_io_executor ex,
                          std::function<void(long)> on_change = {})
      : strand_(net::make_strand(ex)), on_change_(std::move(on_change)) {}

  // The strand every change runs on.
  strand_type get_strand() const { return strand_; }

  // Adds `n`; returns the total just after this addition. Callable from
  // coroutines on any executor and any thread.
  net::awaitable<long> add(long n) {
    // TODO: get apply(n) to run on strand_, and its result back here. The
    //       caller resumes where it came from, not on the strand.
    co_return lunch::todo<long>("strand_counter::add: run apply(n) on the strand");
  }

  // The total now, read on the strand.
  net::awaitable<long> total() {
    // TODO: read total_ on strand_, the same way.
    co_return lunch::todo<long>("strand_counter::total: read the total on the strand");
  }

 private:
  // Not thread-safe: only ever call it on strand_.
  long apply(long n) {
    total_ += n;
    if (on_change_) on_change_(total_);
    return total_;
  }

  strand_type strand_;
  std::function<void(long)> on_change_;
  long total_ = 0;
};
