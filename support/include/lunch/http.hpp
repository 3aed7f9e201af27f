// lunch/http.hpp: a local HTTP latency server and a coroutine HTTP client.
//
// The talk's running example is "send 100 HTTP queries and wait for them".
// To do that for real, offline and reproducibly, the course starts its own
// server in the same process, on 127.0.0.1 and a port the kernel picks:
//
//   lunch::latency_server server({.latency = 50ms, .max_in_flight = 10});
//   auto res = co_await lunch::http_get(server.url() + "item/7");
//   // res.status == 200 after about 50 ms; server.stats().peak_in_flight ...
//
// The server runs on a thread and an io_context of its own, so the code under
// test can use any event loop (one thread or many) without ever waiting on
// itself. Only this header is needed to use either half: Boost.Beast stays
// inside two source files, because every file that includes it costs seconds
// of compile time.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lunch {

namespace net = boost::asio;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- the client

// What came back from a GET.
struct http_response {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // The value of a header, compared without case; "" when absent.
  std::string header(std::string_view name) const;
};

// Every failure of http_get: a bad URL, a refused connection, a timeout, a
// connection closed before the answer. what() names the URL and the reason,
// e.g. "GET http://127.0.0.1:4000/delay/5000: timed out after 100 ms".
// A response with status 4xx or 5xx is not an error: it is a response.
class http_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// GETs `url` over a new connection and returns the status and the body.
// `timeout` bounds the whole exchange: connect, send, receive.
//
// Only http://127.0.0.1:PORT/... and http://localhost:PORT/... are accepted:
// the course never leaves the machine, and a demo that silently reached the
// internet would not be reproducible. Safe to await from many coroutines at
// once, on one thread or many: each call owns its own connection.
net::awaitable<http_response> http_get(std::string url,
                                       std::chrono::milliseconds timeout = 10s);

// ---------------------------------------------------------------- the server

// Reproducible randomness for the server: latencies with jitter, and which
// requests fail. Each value is a pure function of (seed, request number), so
// the same seed gives the same sequence whatever order threads ask in.
class jitter_source {
 public:
  jitter_source(std::chrono::milliseconds latency,
                std::chrono::milliseconds jitter, std::uint64_t seed);

  // The latency of request number n (1, 2, 3, ...): uniform in
  // [latency - jitter, latency + jitter], never below zero.
  std::chrono::milliseconds latency(std::uint64_t n) const;
  // A number in [0, 1) for request n, independent of its latency; the
  // server fails request n when chance(n) < fail_rate.
  double chance(std::uint64_t n) const;

 private:
  std::chrono::milliseconds latency_;
  std::chrono::milliseconds jitter_;
  std::uint64_t seed_;
};

// One line of the server's log, handed to server_options::on_request.
struct request_record {
  std::uint64_t number = 0;          // 1 for the first request received
  std::string method;
  std::string target;                // path and query, as sent
  int status = 0;                    // 0: the client left before its answer
  std::chrono::milliseconds took{};  // from receiving to answering (or leaving)
  int in_flight = 0;                 // admitted requests when this one arrived
};

struct server_options {
  // Each request is answered after `latency`, give or take `jitter`.
  std::chrono::milliseconds latency = 0ms;
  std::chrono::milliseconds jitter = 0ms;
  // Above this many requests in flight, answer 429 at once. 0 = no limit.
  int max_in_flight = 0;
  // The share of requests answered 500 (after their latency), 0..1.
  double fail_rate = 0.0;
  // Seeds both the jitter and the failures.
  std::uint64_t seed = 1;
  // 0 = let the kernel pick a free port (what tests and demos want).
  unsigned short port = 0;
  // Time limits, so that a silent or trickling client cannot keep a
  // connection (and its file descriptor) forever. Each is a deadline for a
  // whole step, not a pause between bytes: a byte every second does not
  // stretch it. When one passes, the connection is closed.
  //   header_timeout: from accepting a connection (or from the first byte of
  //                   a later request on it) to the end of the header;
  //   body_timeout:   from the end of the header to the end of the body, and
  //                   again for sending the answer;
  //   idle_timeout:   how long a kept-alive connection may wait for the
  //                   first byte of its next request.
  std::chrono::milliseconds header_timeout = 10s;
  std::chrono::milliseconds body_timeout = 10s;
  std::chrono::milliseconds idle_timeout = 30s;
  // At most this many connections open at once. A connection beyond it makes
  // room by closing the one that has waited longest for a request; if every
  // connection has a request being answered, the newcomer gets 503 and is
  // closed. 0 = automatic: what the descriptor limit (`ulimit -n`) leaves
  // once a reserve is kept for the rest of the process.
  int max_connections = 0;
  // Called on the server's thread once each request ends, answered or left
  // by its client (status 0): keep it short (and never call stop() from it).
  std::function<void(const request_record&)> on_request;
};

// A snapshot of the counters. Every answer counts in `served` whatever its
// status; 429 and 500 answers are also counted in `rejected` and `failed`.
struct server_stats {
  std::uint64_t received = 0;  // requests read so far
  std::uint64_t served = 0;    // answers completed (counted before sending)
  int in_flight = 0;           // admitted, not answered yet
  int peak_in_flight = 0;      // the most in flight at once
  std::uint64_t rejected = 0;  // answers with status 429
  std::uint64_t failed = 0;    // answers with status 500
  std::uint64_t abandoned = 0; // requests whose client left before the answer
  int connections = 0;         // open now, at most the connection limit
                               // (a newcomer being refused a 503 not counted)
};

// The server. Paths:
//   /delay/N    answer after N ms instead of the configured latency
//   /status/N   answer with status N (200..599), after the usual latency;
//               204 and 304 come without a body, 1xx is refused with 400
//               (an interim status is no answer to end a request with)
//   anything    200 with a short text body naming the request
// Every answer carries X-Lunch-Request (its number) and
// X-Lunch-Latency-Ms (the latency it was given). A request whose client
// closes the connection while it waits ends at once: it leaves flight
// without an answer and counts in `abandoned`.
class latency_server {
 public:
  // Binds 127.0.0.1:port and starts serving before it returns. Throws
  // boost::system::system_error when it cannot listen (e.g. the port is
  // taken: code() == net::error::address_in_use).
  explicit latency_server(server_options options = {});
  // Same as stop().
  ~latency_server();
  latency_server(const latency_server&) = delete;
  latency_server& operator=(const latency_server&) = delete;

  unsigned short port() const;
  // "http://127.0.0.1:PORT/", ready to append a path to.
  std::string url() const;
  // Thread-safe; each counter is read atomically (the set as a whole is
  // not one instant, which only matters while requests are moving).
  server_stats stats() const;
  // Zeroes the counters (peak included); in_flight stays truthful.
  void reset_stats();
  // The randomness the server uses, so a test can check the sequence itself.
  const jitter_source& jitter() const;

  // The gate, for deterministic tests. While held, admitted requests wait
  // in flight (after admission, before their latency) until release().
  // With hold() a test can put exactly N requests in flight at once.
  void hold();
  void release();

  // Stops accepting, closes every connection (requests still in flight end:
  // their clients see the connection close) and joins the thread. Returns
  // within about two seconds whatever happens. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lunch
