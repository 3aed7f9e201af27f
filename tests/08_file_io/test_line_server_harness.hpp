// The half of test_line_server.cpp that does not depend on the exercise:
// the clients that play each scenario against a server. It is compiled once,
// with the course, so that `lunch check line_server` compiles only the test
// cases and the learner's file. The server comes in as a plain function.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace line_server_harness {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// The code under test: line_server(acceptor, max_line).
using server_fn = std::function<net::awaitable<void>(tcp::acceptor&, std::size_t)>;

// One client sends "hello World 42\n", then three lines in one write, then
// one line in three writes: the replies, in order. A missing reply reads
// "<no reply within N ms>", a closed connection "<closed>".
net::awaitable<std::vector<std::string>> one_client_many_shapes(server_fn server);

struct crowd_result {
  std::vector<std::string> bad;   // wrong answers to the twenty short clients
  std::string slow_client_reply;  // the slow client's, once it ends its line
};
// One client sends half a line; twenty others then each send three lines and
// wait for the answers; then the first one finishes its line.
net::awaitable<crowd_result> a_crowd_beside_a_slow_client(server_fn server);

struct limit_result {
  std::string at_limit, over_limit, after;
};
// A line of exactly max_line characters, then on a second connection one of
// max_line + 1 followed by "after\n".
net::awaitable<limit_result> lines_at_the_limit(server_fn server, std::size_t max_line);
// `huge` characters with no '\n' (over_limit), then "\nafter\n" (after).
net::awaitable<limit_result> a_huge_line(server_fn server, std::size_t max_line, std::size_t huge);

// A client leaves halfway through a line; the reply to the next client's.
net::awaitable<std::string> a_client_leaves_mid_line(server_fn server);

}  // namespace line_server_harness
