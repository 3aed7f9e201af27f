// The half of test_graceful_shutdown.cpp that does not depend on the
// exercise: the test's sessions, its clients and the scenario that drives
// them. It is compiled once, with the course, so that `lunch check
// graceful_shutdown` compiles only the test cases and the learner's file.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace graceful_shutdown_harness {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using ms = std::chrono::milliseconds;

// What serve() starts for each connection: the test's echo session.
using session_fn = std::function<net::awaitable<void>(tcp::socket)>;

// serve()'s report as plain numbers: the exercise's shutdown_report is not
// visible from here.
struct counts {
  int finished = 0;
  int cancelled = 0;
};

// The code under test: serve(acceptor, grace, session), its report copied
// into counts.
using serve_fn = std::function<net::awaitable<counts>(tcp::acceptor&, ms, session_fn)>;

struct result {
  bool returned = false;
  std::string thrown = "nothing";
  counts report;
  double took_ms = 0;          // from the request to serve()'s return
  int alive_at_return = -1;    // sessions still running when it returned
  int started = 0;
  bool connect_after_request = false;
  std::vector<double> cut_off_at;
};

// Starts serve() and one client per entry of `holds` (hang up that long
// after the first echo, or never); once every client has had its echo,
// requests the shutdown (a terminal cancellation bound to serve()) and
// watches what follows.
net::awaitable<result> scenario(serve_fn serve, std::vector<std::optional<ms>> holds, ms grace);

}  // namespace graceful_shutdown_harness
