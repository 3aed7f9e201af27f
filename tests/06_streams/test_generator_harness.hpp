// The half of test_generator.cpp that does not depend on the exercise: the
// producer, the consumer and the pulls, compiled once with the course. The
// learner's generate<int>() comes in as a plain function.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <functional>
#include <string>

namespace generator_harness {

namespace net = boost::asio;
using net::experimental::coro;

// The code under test: generate<int>(ex, count, produce).
using generate_fn =
    std::function<coro<int>(net::any_io_executor, int, std::function<net::awaitable<int>(int)>)>;

struct producer {
  int produced = 0;  // calls of produce(i) so far
  int fail_at = -1;  // produce(fail_at) throws
};

// Pulls a stream of `count` squares until its end: what it yielded as text
// ("0 1 4 end"), or what it threw in place of the end.
net::awaitable<std::string> all_of(generate_fn generate, int count, producer& p);

// The counter before the first pull and after each of three pulls of a
// stream of 10, with time in between for a producer that runs ahead to do so.
net::awaitable<std::string> produced_after_each_pull(generate_fn generate, producer& p);

}  // namespace generator_harness
