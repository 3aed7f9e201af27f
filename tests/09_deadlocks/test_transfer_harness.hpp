// The half of test_transfer.cpp that does not depend on the exercise: the
// scenarios (transfers in every direction, an auditor, a held lock, four
// threads of random transfers) and what they observed. It is compiled once,
// with the course, so that `lunch check transfer` compiles only the test
// cases and the learner's file. The learner's accounts, transfer() and
// audit_total() come in through the small `bank` interface below.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace transfer_harness {

namespace net = boost::asio;

// Holds an account's lock until the last copy goes (it owns the exercise's guard).
using held = std::shared_ptr<void>;

// A bank of accounts 0..size()-1 (ids 1..size(), named alice, bob, carol,
// ...), as the scenarios use it. The test file implements it with the
// learner's account, transfer() and audit_total().
class bank {
 public:
  virtual ~bank() = default;
  virtual int size() const = 0;
  virtual const std::string& name(int i) const = 0;
  virtual int balance(int i) const = 0;
  virtual net::awaitable<bool> transfer(int from, int to, int amount) = 0;
  virtual net::awaitable<int> audit_total() = 0;  // all accounts, under their locks
  virtual net::awaitable<held> lock(int i) = 0;   // account i's own lock
  int sum() const;                                // the balances, read without locks
};
// Opens a bank of `n` accounts with `balance` each.
using open_bank = std::function<std::unique_ptr<bank>(net::any_io_executor, int n, int balance)>;

// Two accounts of 1000: alice -> bob 20 x 10 and bob -> alice 20 x 7, at once.
// `moved` counts the transfers that returned true; the balances at the end.
struct both_directions_result {
  int alice = 0, bob = 0;
};
net::awaitable<void> both_directions(open_bank open, std::atomic<int>& moved,
                                     both_directions_result& r);

// Three accounts of 100: carol -> alice 60 and carol -> bob 60 at once, then
// alice -> bob 1000 (which alice cannot cover).
struct cover_result {
  int moved = 0;              // of the two transfers of 60
  int carol = 0;              // her balance after them
  int sum = 0;                // the total after them
  bool big_transfer = false;  // what transfer(alice -> bob, 1000) returned
  int sum_after = 0;          // the total after it
};
net::awaitable<void> two_check_one_balance(open_bank open, cover_result& r);

// Four accounts of 500, 10 transfers for each of the 12 ordered pairs, and an
// auditor summing under all four locks until they are done.
struct audit_result {
  std::vector<int> wrong_totals;  // the first five totals other than 2000
  int sum = 0;                    // the total at the end
  int audits = 0;                 // audits completed
};
net::awaitable<void> audit_while_transferring(open_bank open, audit_result& r);

// Four accounts of 100; someone holds bob's lock while alice -> bob waits,
// then carol -> dave runs (given 100 ms); then bob's lock is let go.
struct busy_result {
  bool carol_to_dave_done = false;  // while bob's lock was held
  int moved_while_held = 0;         // alice -> bob's, while bob's lock was held
  int moved_at_end = 0;             // alice -> bob's, after it was let go
};
net::awaitable<void> beside_a_busy_account(open_bank open, busy_result& r);

// Five accounts of 10,000; four tasks of 2,500 random transfers each (run it
// on 4 threads). `moved` counts the transfers that returned true; `total` is
// audit_total() at the end.
net::awaitable<void> random_transfers_everywhere(open_bank open, std::atomic<int>& moved,
                                                 int& total);

}  // namespace transfer_harness
