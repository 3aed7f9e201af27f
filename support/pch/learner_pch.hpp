// The precompiled header of the learner's test programs (ex_*): Asio with
// the experimental parts the exercises use, and doctest. Parsing these
// headers is most of a test's compile time; precompiled once (on the first
// `lunch check` of an exercise), later checks of the same exercise skip it.
//
// Only the ex_ programs use it: the solutions are built once per change of
// the course, where one header per program would cost more than it saves.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
// After the channels: coro.hpp included first breaks channel.hpp in Boost
// 1.81 to 1.84 (1.85 fixed it).
#include <boost/asio/experimental/coro.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <doctest/doctest.h>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/testing.hpp"
#include "lunch/todo.hpp"
