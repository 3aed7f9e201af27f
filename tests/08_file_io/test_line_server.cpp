// Tests for exercises/08_file_io/line_server.hpp
//
// Each test starts line_server on 127.0.0.1 (port 0: the kernel picks a free
// one), plays one or more clients against it, then closes the acceptor: the
// server must then return, or the run ends at its deadline with a report
// naming what was still waiting. A reply that must come before something
// else happens is awaited with a short limit of its own, so that "never
// answered" reads as such and not as a deadline. The clients and scenarios
// are in test_line_server_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "line_server.hpp"
#include "lunch/run.hpp"
#include "test_line_server_harness.hpp"

using namespace std::chrono_literals;
using namespace line_server_harness;

namespace {

bool closed_or(const std::string& reply, const std::string& expected) {
  return reply == "<closed>" || reply == expected;
}

}  // namespace

TEST_SUITE("line_server") {

TEST_CASE("each line comes back upper-cased, in one write, several per write, or split") {
  auto got = lunch::run(one_client_many_shapes(line_server),
                        {.deadline = 5s, .what = "one client sending lines of every shape"});
  const std::vector<std::string> expected = {"HELLO WORLD 42\n", "ONE\n", "TWO\n", "THREE\n",
                                             "SPLIT LINE\n"};
  REQUIRE(got.size() == expected.size());
  CHECK_MESSAGE(got[0] == expected[0], "sent \"hello World 42\\n\", got \"" << got[0] << "\"");
  CHECK_MESSAGE((got[1] == expected[1] && got[2] == expected[2] && got[3] == expected[3]),
                "sent \"one\\ntwo\\nthree\\n\" in one write, got \"" << got[1] << "\", \""
                << got[2] << "\", \"" << got[3] << "\": lines that arrive together must each "
                "be answered (does the buffer outlive one read?)");
  CHECK_MESSAGE(got[4] == expected[4],
                "sent \"split line\\n\" in three writes, got \"" << got[4] << "\"");
}

TEST_CASE("a client halfway through a line does not hold up twenty others") {
  auto r = lunch::run(a_crowd_beside_a_slow_client(line_server),
                      {.deadline = 4s, .what = "twenty clients while one is halfway through a line"});
  CHECK_MESSAGE(r.bad.empty(), r.bad.size() << " wrong answers, the first: "
                << (r.bad.empty() ? "" : r.bad.front()));
  CHECK_MESSAGE(r.slow_client_reply == "HALFWAY\n",
                "the slow client finished its line and got \"" << r.slow_client_reply << "\"");
}

TEST_CASE("a line of max_line characters is answered; one character more gets ERROR") {
  auto r = lunch::run(lines_at_the_limit(line_server, 16), {.deadline = 5s, .what = "lines at the limit"});
  CHECK_MESSAGE(r.at_limit == std::string(16, 'A') + "\n",
                "a line of exactly max_line = 16 characters (plus '\\n') got \"" << r.at_limit
                << "\"; it is within the limit (does the buffer leave room for the '\\n'?)");
  CHECK_MESSAGE(r.over_limit.rfind("ERROR", 0) == 0,
                "a line of 17 characters (max_line = 16) got \"" << r.over_limit
                << "\"; expected a reply starting with ERROR");
  CHECK_MESSAGE(closed_or(r.after, "AFTER\n"),
                "after the ERROR, the line \"after\" got \"" << r.after << "\": the connection "
                "must either answer the next line or be closed");
}

TEST_CASE("a line far over the limit is refused before it ends: no unbounded buffering") {
  auto r = lunch::run(a_huge_line(line_server, 16, 256 * 1024), {.deadline = 5s, .what = "a 256 KiB line"});
  CHECK_MESSAGE(r.over_limit.rfind("ERROR", 0) == 0,
                "256 KiB without a '\\n' (max_line = 16) got \"" << r.over_limit
                << "\"; the server must answer ERROR once the limit is passed, without waiting "
                "for the end of the line (it would buffer without bound)");
  CHECK_MESSAGE(closed_or(r.after, "AFTER\n"),
                "after the ERROR and the end of the long line, \"after\" got \"" << r.after
                << "\": answer it, or close the connection");
}

TEST_CASE("a client that leaves mid-line does not stop the server") {
  const std::string reply = lunch::run(a_client_leaves_mid_line(line_server),
                                       {.deadline = 5s, .what = "a client leaving mid-line"});
  CHECK_MESSAGE(reply == "STILL THERE?\n",
                "after one client left halfway through a line, the next client's line got \""
                << reply << "\" (does a session throw at end of file, and the exception stop "
                "the server?)");
}

}  // TEST_SUITE
