// The half of test_upgrade.cpp that does not depend on the exercise: the two
// scenarios (one raise, ten at once) and what they observed. It is compiled
// once, with the course, so that `lunch check upgrade` compiles only the
// test cases and the learner's file. The learner's price_list and raise()
// come in through the small `shop` interface below.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace upgrade_harness {

namespace net = boost::asio;

// A price_list, as the scenarios use it. The test file implements it with
// the learner's price_list and raise().
class shop {
 public:
  virtual ~shop() = default;
  virtual std::map<std::string, int>& prices() = 0;
  virtual int changes() const = 0;
  virtual net::awaitable<int> raise(std::string item, int delta) = 0;
};
using open_shop = std::function<std::unique_ptr<shop>(net::any_io_executor)>;

// Coffee at 300 and tea at 250; one raise(coffee, 20).
struct single_raise_result {
  int coffee = 0, tea = 0, changes = 0;  // after it
  std::vector<int> returned;             // what raise() returned
};
net::awaitable<void> a_single_raise(open_shop open, single_raise_result& r);

// A bagel at 100; ten raise(bagel, 1) at once.
struct ten_raises_result {
  int bagel = 0, changes = 0;  // after them
  std::vector<int> returned;   // what each raise() returned, in the order they finished
};
net::awaitable<void> ten_raises_at_once(open_shop open, ten_raises_result& r);

}  // namespace upgrade_harness
