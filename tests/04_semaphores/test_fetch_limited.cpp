// Tests for exercises/04_semaphores/fetch_limited.hpp
//
// The local latency server counts what it sees: its peak of requests in
// flight says whether the limit was kept and whether it was used, and its
// log (on_request, in the order answers leave) says whether a slow request
// held up the others.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include "fetch_limited.hpp"
#include "lunch/http.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"

using namespace std::chrono_literals;

namespace {

std::vector<std::string> items(const lunch::latency_server& server, int n) {
  std::vector<std::string> urls;
  for (int i = 0; i < n; ++i) urls.push_back(server.url() + "item/" + std::to_string(i));
  return urls;
}

std::vector<lunch::http_response> fetch(std::vector<std::string> urls, std::size_t limit,
                                        const std::string& what) {
  return lunch::run(fetch_limited(std::move(urls), limit), {.deadline = 10s, .what = what});
}

std::string statuses(const std::vector<lunch::http_response>& rs) {
  std::string s;
  for (const auto& r : rs) s += (s.empty() ? "" : " ") + std::to_string(r.status);
  return s;
}

}  // namespace

TEST_SUITE("fetch_limited") {

TEST_CASE("exactly `limit` requests are in flight at the busiest moment, never more") {
  // 40 ms each: long enough for all 4 to reach the server before the first
  // one is answered, even on a busy machine.
  lunch::latency_server server({.latency = 40ms});
  const auto responses = fetch(items(server, 24), 4, "24 GETs, at most 4 at once");
  const auto stats = server.stats();
  CHECK_MESSAGE(stats.peak_in_flight <= 4, "the server saw " << stats.peak_in_flight
                << " requests in flight at once; the limit is 4");
  CHECK_MESSAGE(stats.peak_in_flight >= 4, "the server saw at most " << stats.peak_in_flight
                << " request(s) in flight at once: with 24 to do and a limit of 4, "
                "4 should always be running");
  CHECK_MESSAGE(stats.served == 24, "fetch_limited returned when the server had answered "
                << stats.served << " of 24 requests");
  CHECK(responses.size() == 24);
}

TEST_CASE("a server that refuses more than `limit` at once answers every request 200") {
  lunch::latency_server server({.latency = 20ms, .max_in_flight = 3});
  const auto responses = fetch(items(server, 15), 3, "15 GETs, at most 3 at once");
  REQUIRE(responses.size() == 15);
  int ok = 0;
  for (const auto& r : responses) ok += r.status == 200;
  CHECK_MESSAGE(ok == 15, "statuses: " << statuses(responses) << " (429 = the server "
                "refused it: more than 3 were in flight)");
  CHECK(server.stats().rejected == 0);
}

TEST_CASE("a slow request holds up only its own slot") {
  // Request 0 takes 400 ms; the other 30 take 10 ms each. With 3 slots left
  // free, the 30 are done long before request 0; in chunks of 4 each chunk
  // waits for its slowest, so only 3 get past it.
  std::atomic<int> fast_done{0};
  std::atomic<int> fast_before_slow{-1};
  lunch::latency_server server({.latency = 10ms, .on_request = [&](const lunch::request_record& r) {
                                  if (r.target == "/delay/400")
                                    fast_before_slow = fast_done.load();
                                  else
                                    ++fast_done;
                                }});
  std::vector<std::string> urls{server.url() + "delay/400"};
  for (int i = 1; i <= 30; ++i) urls.push_back(server.url() + "item/" + std::to_string(i));
  fetch(urls, 4, "one slow GET and 30 quick ones, at most 4 at once");
  REQUIRE_MESSAGE(fast_before_slow >= 0, "the slow request never reached the server");
  CHECK_MESSAGE(fast_before_slow >= 20, "only " << fast_before_slow << " of the 30 quick "
                "requests finished during the 400 ms of the slow one: the other slots "
                "waited for it instead of moving on to the next URL");
}

TEST_CASE("the responses come back in the order of the URLs") {
  lunch::latency_server server;
  // Later URLs answer sooner, so the order they finish in is not this one.
  std::vector<std::string> targets;
  std::vector<std::string> urls;
  for (int i = 0; i < 12; ++i) {
    targets.push_back("/delay/" + std::to_string(70 - 5 * i));
    urls.push_back(server.url() + targets.back().substr(1));
  }
  const auto responses = fetch(urls, 4, "12 GETs, at most 4 at once");
  REQUIRE(responses.size() == 12);
  for (std::size_t i = 0; i < 12; ++i) {
    // The server's body names the request: "request 7: GET /delay/40 answered ...".
    CHECK_MESSAGE(responses[i].body.find("GET " + targets[i] + " ") != std::string::npos,
                  "response " << i << " should answer " << targets[i] << ", but its body is \""
                  << responses[i].body << "\"");
  }
}

TEST_CASE("a failed GET is rethrown, not lost") {
  lunch::latency_server server({.latency = 10ms});
  std::string refused;
  {
    lunch::latency_server gone;  // a port where nobody listens any more
    refused = gone.url() + "item/x";
  }
  auto urls = items(server, 6);
  urls.insert(urls.begin() + 2, refused);
  const std::string thrown = lunch::run(
      lunch::what_is_thrown_by(fetch_limited(urls, 3)),
      {.deadline = 10s, .what = "6 GETs and one to a closed port, at most 3 at once"});
  CHECK_MESSAGE(thrown != "nothing", "one GET could not connect, but fetch_limited "
                "returned normally: the failure was lost");
}

}  // TEST_SUITE
