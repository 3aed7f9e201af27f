// The latency server behind lunch/http.hpp: Boost.Beast over C++20
// coroutines, one connection per coroutine, all on one thread of its own.
//
// Why one thread: loopback traffic for a demo or a test is a few thousand
// requests at most, which one thread answers easily, and a single thread
// makes the shared state (the connection lists, the gate, the peak counter)
// safe without a strand or a lock. The counters are atomics only because
// tests and demos read them from their own threads.
//
// Why all the limits: even on 127.0.0.1 a server meets clients that never
// finish a request, never leave, or leave without a word (a curl left open,
// a tester, a scanner). Every connection holds a file descriptor, so each is
// bounded in time (the three timeouts of server_options) and in number (the
// connection limit), and a request whose client has gone stops counting at
// once instead of holding an in-flight slot for its whole delay.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "lunch/http.hpp"

namespace lunch {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;
constexpr auto with_error = net::as_tuple(net::use_awaitable);

// splitmix64's finaliser: a few multiplications that turn consecutive
// numbers into unrelated-looking ones. A counter-based generator, unlike
// std::mt19937 behind a mutex, gives request n the same value no matter
// which thread asks or in what order, and std::uniform_int_distribution is
// avoided because its output differs between standard libraries.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Salts so that a request's latency and its failure are independent.
constexpr std::uint64_t latency_salt = 0x6c6174656e6379ULL;  // "latency"
constexpr std::uint64_t failure_salt = 0x6661696c757265ULL;  // "failure"

// "/delay/120?x=1" with prefix "/delay/" gives 120; -1 when the rest is not
// a plain number.
long long number_after(std::string_view path, std::string_view prefix) {
  std::string_view rest = path.substr(prefix.size());
  long long value = -1;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc() || end != rest.data() + rest.size() || rest.empty())
    return -1;
  return value;
}

// What a request asks for, decided from its path before anything is waited.
struct plan {
  std::chrono::milliseconds latency{};
  int status = 0;    // 0: decided after the latency (200, or an injected 500)
  std::string body;  // "": the usual line naming the request
};

// A malformed override is answered 400 at once: the client has a typo to
// hear about, and making it wait first would only hide it.
plan route(std::string_view target, std::chrono::milliseconds usual) {
  const std::string_view path = target.substr(0, target.find('?'));
  plan p{.latency = usual};
  if (path.starts_with("/delay/")) {
    const long long ms = number_after(path, "/delay/");
    if (ms < 0 || ms > 600'000)
      return {0ms, 400, "bad delay: use /delay/MS with 0 <= MS <= 600000\n"};
    p.latency = std::chrono::milliseconds(ms);
  } else if (path.starts_with("/status/")) {
    const long long code = number_after(path, "/status/");
    // Not 1xx: an interim status is never the end of an exchange. Sent as
    // the answer, 100 leaves the client reading our body as the next answer
    // and 101 leaves it waiting for a protocol switch that never comes.
    if (code < 200 || code > 599)
      return {0ms, 400, "bad status: use /status/CODE with 200 <= CODE <= 599\n"};
    p.status = static_cast<int>(code);
  }
  return p;
}

// HTTP defines these two without a body, so the client reads none: any
// bytes sent after their header would be taken for the next answer.
bool has_no_body(int status) { return status == 204 || status == 304; }

// The connection limit when none is configured. A server out of descriptors
// cannot even accept the connection it would close to make room, so the
// limit stays a reserve below `ulimit -n`: 64 for what the process opens
// besides (stdio, the event loop's own, a client in the same process), or
// half the limit when the limit is small.
int automatic_connection_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 1 << 20;
  const auto soft = static_cast<long long>(std::min<rlim_t>(lim.rlim_cur, 1 << 20));
  return static_cast<int>(std::max({soft - 64, soft / 2, 1LL}));
}

struct connection;
using connection_list = std::list<connection*>;

// Where each connection stands: stop() closes them all, and the connection
// limit closes the one that has waited longest for a request. Lists rather
// than a flag per connection, so that both find theirs without a scan.
// Server thread only, except `open`, which stats() reads.
struct registry {
  connection_list waiting;   // for a request, the longest-waiting first
  connection_list busy;      // with a request being answered
  connection_list closing;   // closed or turned away, coroutine not ended yet
  std::atomic<int> open{0};  // waiting + busy: what the limit counts

  void move(connection& c, connection_list& to);
  void remove(connection& c);
};

// One connection, owned by its coroutine. It unlists itself when destroyed,
// even when a forced stop destroys the coroutine without resuming it.
struct connection {
  registry& where;
  beast::tcp_stream stream;
  // Bytes read but not parsed yet. They outlive one request because a
  // client may send its next request before this one is answered, and the
  // watch for its close (sleep_watching) reads those bytes too.
  beast::flat_buffer buffer;
  net::steady_timer timer;  // the request's latency, or the gate while held
  bool at_gate = false;     // release() wakes the requests marked so
  connection_list* list = nullptr;
  connection_list::iterator place;

  connection(registry& r, tcp::socket s)
      : where(r), stream(std::move(s)), timer(stream.get_executor()) {}
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { where.remove(*this); }
};

// Appending keeps `waiting` ordered by when each connection began to wait.
void registry::move(connection& c, connection_list& to) {
  if (c.list)
    to.splice(to.end(), *c.list, c.place);  // iterators stay valid
  else
    c.place = to.insert(to.end(), &c);
  c.list = &to;
  open = static_cast<int>(waiting.size() + busy.size());
}

void registry::remove(connection& c) {
  if (c.list) c.list->erase(c.place);
  c.list = nullptr;
  open = static_cast<int>(waiting.size() + busy.size());
}

// Holds one in-flight slot for as long as it lives, whichever way the
// request ends (answered, abandoned, or its coroutine destroyed by stop()).
struct flight_slot {
  std::atomic<int>& in_flight;
  flight_slot(std::atomic<int>& n, std::atomic<int>& peak) : in_flight(n) {
    const int now = n.fetch_add(1) + 1;
    for (int seen = peak.load(); now > seen && !peak.compare_exchange_weak(seen, now);) {
    }
  }
  flight_slot(const flight_slot&) = delete;
  flight_slot& operator=(const flight_slot&) = delete;
  ~flight_slot() { --in_flight; }
};

// `detached` would swallow an exception; nothing here should throw, but if
// something does, it is said out loud.
auto report(const char* what) {
  return [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "lunch::latency_server: %s failed: %s\n", what, x.what());
    }
  };
}

}  // namespace

// ------------------------------------------------------------ jitter_source

jitter_source::jitter_source(std::chrono::milliseconds latency,
                             std::chrono::milliseconds jitter,
                             std::uint64_t seed)
    : latency_(latency), jitter_(jitter), seed_(seed) {
  if (latency < 0ms || jitter < 0ms)
    throw std::invalid_argument("jitter_source: latency and jitter must be >= 0");
}

std::chrono::milliseconds jitter_source::latency(std::uint64_t n) const {
  if (jitter_ == 0ms) return latency_;
  const auto width = static_cast<std::uint64_t>(2 * jitter_.count() + 1);
  const auto offset = static_cast<long long>(mix(mix(seed_ ^ latency_salt) + n) % width);
  const long long ms = latency_.count() - jitter_.count() + offset;
  return std::chrono::milliseconds(ms < 0 ? 0 : ms);
}

double jitter_source::chance(std::uint64_t n) const {
  // The top 53 bits make an exact double in [0, 1).
  return static_cast<double>(mix(mix(seed_ ^ failure_salt) + n) >> 11) * 0x1.0p-53;
}

// ------------------------------------------------------------ the server

struct latency_server::impl {
  server_options options;
  jitter_source jitter;
  int connection_limit = 0;

  // Written on the server thread, read from anywhere.
  std::atomic<std::uint64_t> received{0}, served{0}, rejected{0}, failed{0}, abandoned{0};
  // Request numbers, which pick each request's latency and failure: not
  // reset by reset_stats(), so the jitter sequence just carries on.
  std::atomic<std::uint64_t> numbered{0};
  std::atomic<int> in_flight{0}, peak{0};
  std::atomic<bool> held{false};

  // Server thread only. Declared before the io_context on purpose: if a
  // forced stop leaves coroutine frames behind, the io_context destroys
  // them, and their clean-up still needs these.
  registry connections;
  bool stopping = false;

  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  unsigned short port = 0;

  std::mutex stop_mutex;  // serialises stop() callers
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool loop_done = false;
  std::thread thread;
  std::atomic<std::thread::id> loop_id{};  // not thread.get_id(): join() changes that

  explicit impl(server_options o)
      : options(std::move(o)),
        jitter(options.latency, options.jitter, options.seed) {
    check_options();
    connection_limit = options.max_connections > 0 ? options.max_connections
                                                   : automatic_connection_limit();

    // 127.0.0.1 and never 0.0.0.0: a teaching server with injected failures
    // has no business being reachable from the network.
    const tcp::endpoint where(net::ip::address_v4::loopback(), options.port);
    acceptor.open(where.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    error_code ec;
    acceptor.bind(where, ec);
    if (ec)
      throw boost::system::system_error(
          ec, "lunch::latency_server: cannot listen on 127.0.0.1:" +
                  std::to_string(options.port));
    // Many clients connect at once in the tests; a short backlog would make
    // some of them wait a full second for a SYN retransmit.
    acceptor.listen(net::socket_base::max_listen_connections);
    port = acceptor.local_endpoint().port();

    net::co_spawn(ioc, listen(), report("the accept loop"));
    thread = std::thread([this] { run_loop(); });
  }

  // Refused here rather than misbehaving later: a zero timeout would close
  // every connection at once, a nan rate would fail nothing and say nothing.
  void check_options() const {
    if (options.max_in_flight < 0 || options.max_connections < 0)
      throw std::invalid_argument("latency_server: max_in_flight and max_connections must be >= 0");
    if (!(options.fail_rate >= 0.0 && options.fail_rate <= 1.0))
      throw std::invalid_argument("latency_server: fail_rate must be in [0, 1]");
    if (options.header_timeout <= 0ms || options.body_timeout <= 0ms || options.idle_timeout <= 0ms)
      throw std::invalid_argument("latency_server: every timeout must be > 0");
  }

  void run_loop() {
    loop_id = std::this_thread::get_id();
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (const std::exception& x) {
        std::fprintf(stderr, "lunch::latency_server: a handler threw: %s\n", x.what());
      }
    }
    std::lock_guard lock(done_mutex);
    loop_done = true;
    done_cv.notify_all();
  }

  // ---------------------------------------------------------- connections

  net::awaitable<void> listen() {
    net::steady_timer backoff(ioc);
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(with_error);
      if (stopping || ec == net::error::operation_aborted) co_return;
      if (ec) {
        // Out of file descriptors, most likely: pause instead of spinning,
        // the queued connections will still be there.
        backoff.expires_after(20ms);
        co_await backoff.async_wait(with_error);
        continue;
      }
      auto c = std::make_unique<connection>(connections, std::move(socket));
      if (connections.open >= connection_limit && !close_longest_waiting()) {
        connections.move(*c, connections.closing);
        net::co_spawn(ioc, turn_away(std::move(c)), report("a refused connection"));
        continue;
      }
      // Listed here, not in serve(): the count must be right for the very
      // next accept, whenever the new coroutine first runs.
      connections.move(*c, connections.waiting);
      net::co_spawn(ioc, serve(std::move(c)), report("a connection"));
    }
  }

  // Makes room by closing the connection that has waited longest for a
  // request: the likeliest to be forgotten, and one that has lost nothing
  // but a socket, since none of its requests is under way. False when
  // every connection is busy with a request.
  bool close_longest_waiting() {
    if (connections.waiting.empty()) return false;
    connection& oldest = *connections.waiting.front();
    connections.move(oldest, connections.closing);
    oldest.stream.close();  // its pending read fails, and its coroutine ends
    return true;
  }

  // Over the limit with every connection busy: a 503 now tells the client to
  // come back, where keeping it would spend a descriptor the limit says the
  // server cannot spare. Bounded in time like any connection.
  net::awaitable<void> turn_away(std::unique_ptr<connection> owned) {
    connection& c = *owned;
    // Refusals pile up only under a flood; past a few dozen, just close.
    if (connections.closing.size() > 64) co_return;
    response res(http::status::service_unavailable, 11);
    res.set(http::field::server, "lunch-latency-server");
    res.set(http::field::retry_after, "1");
    res.keep_alive(false);
    res.body() = "too many connections (the limit is " + std::to_string(connection_limit) + ")\n";
    res.prepare_payload();
    c.stream.expires_after(std::min<std::chrono::milliseconds>(options.header_timeout, 1s));
    auto [ec, n] = co_await http::async_write(c.stream, res, with_error);
    if (ec) co_return;
    // Read and drop what the client sent, until it closes: closing with
    // unread bytes would reset the connection, which can destroy the 503
    // before the client has read it.
    error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    for (;;) {
      auto [rec, got] = co_await c.stream.async_read_some(c.buffer.prepare(4096), with_error);
      if (rec) break;  // the client's close, or the time limit
    }
  }

  // One connection: its requests one after another, for as long as the
  // client keeps it alive and keeps to the time limits.
  net::awaitable<void> serve(std::unique_ptr<connection> owned) {
    connection& c = *owned;
    for (bool first = true;; first = false) {
      http::request_parser<http::string_body> parser;
      if (!co_await read_request(c, parser, first)) break;
      const auto arrived = std::chrono::steady_clock::now();
      const request& req = parser.get();
      request_record rec = start_record(req);
      std::optional<response> res = co_await answer(c, req, rec);
      if (stopping) break;  // stop() came during the latency: just close
      if (!res) {           // the client left: log it, there is no one to answer
        log(rec, arrived);
        break;
      }
      if (!co_await send(c, *res)) break;
      log(rec, arrived);
      if (!res->keep_alive()) break;
    }
    error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Reads one request within the time limits; false when the connection is
  // to end (the client left or sent garbage, a limit passed, or the server
  // closed it). Past a limit beast::tcp_stream closes the socket itself, so
  // there is no 408 to send: a client that slow is not waiting for one.
  net::awaitable<bool> read_request(connection& c,
                                    http::request_parser<http::string_body>& parser,
                                    bool first) {
    // Not moved when already listed (at its accept): the longest-waiting
    // connection is the one that connected longest ago.
    if (c.list != &connections.waiting) connections.move(c, connections.waiting);
    // A new connection has header_timeout from its accept: connecting and
    // saying nothing is the cheapest attack. A kept-alive one may idle
    // longer, and its header_timeout starts with its next request's first byte.
    c.stream.expires_after(first ? options.header_timeout : options.idle_timeout);
    if (c.buffer.size() == 0) {
      auto [ec, n] = co_await c.stream.async_read_some(c.buffer.prepare(4096), with_error);
      if (ec) co_return false;
      c.buffer.commit(n);
    }
    if (!first) c.stream.expires_after(options.header_timeout);
    auto [hec, hn] = co_await http::async_read_header(c.stream, c.buffer, parser, with_error);
    if (hec) co_return false;
    if (!parser.is_done()) {
      // A deadline for the whole body, not for each read: a client sending
      // a byte a second would pass any per-read timeout forever.
      c.stream.expires_after(options.body_timeout);
      auto [bec, bn] = co_await http::async_read(c.stream, c.buffer, parser, with_error);
      if (bec) co_return false;
    }
    c.stream.expires_never();  // the latency is ours to take, not the client's fault
    connections.move(c, connections.busy);
    co_return !stopping;
  }

  // ------------------------------------------------------------- requests

  request_record start_record(const request& req) {
    ++received;
    request_record rec;
    rec.number = numbered.fetch_add(1) + 1;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    rec.in_flight = in_flight.load();
    return rec;
  }

  // The answer to one request, or nothing when its client left before it
  // was due. The references are safe: serve() awaits this at once.
  net::awaitable<std::optional<response>> answer(connection& c, const request& req,
                                                 request_record& rec) {
    plan p = route(req.target(), jitter.latency(rec.number));
    const int limit = options.max_in_flight;
    if (p.status == 400) {
      // Answered at once, as route() decided.
    } else if (limit > 0 && in_flight.load() >= limit) {
      // Over the limit: answer at once, without ever being in flight. This
      // is what a rate-limited API does, and what chapter 04 measures.
      p = {0ms, 429, "too many requests in flight (the limit is " + std::to_string(limit) + ")\n"};
    } else {
      const flight_slot slot(in_flight, peak);
      if (!co_await wait_turn(c, p.latency)) {
        if (!stopping) ++abandoned;
        co_return std::nullopt;  // the slot is freed here, not when the delay ends
      }
      if (p.status == 0 && options.fail_rate > 0.0 && jitter.chance(rec.number) < options.fail_rate)
        p = {p.latency, 500,
             "injected failure (fail rate " + std::to_string(options.fail_rate) + ")\n"};
    }
    co_return respond(std::move(p), req, rec);
  }

  // Waits for the gate (while a test holds it), then for the latency, and
  // watches the socket all along: false as soon as the client has gone (or
  // stop() came), so that an abandoned request stops counting in flight now
  // rather than when its delay would have ended.
  net::awaitable<bool> wait_turn(connection& c, std::chrono::milliseconds latency) {
    while (held.load() && !stopping) {
      c.at_gate = true;
      c.timer.expires_at(net::steady_timer::time_point::max());
      const woke w = co_await sleep_watching(c);
      c.at_gate = false;
      if (w == woke::peer_gone) co_return false;
    }
    if (latency > 0ms && !stopping) {
      c.timer.expires_after(latency);
      // Bytes from the client (its next request) do not end the wait: the
      // timer keeps its expiry, and the watch goes on.
      for (woke w = woke::data; w == woke::data && !stopping;) {
        w = co_await sleep_watching(c);
        if (w == woke::peer_gone) co_return false;
      }
    }
    co_return !stopping;
  }

  enum class woke { timer, data, peer_gone };

  // One wait on the connection's timer, with a read beside it: a read is the
  // only way to hear that the client closed (end of file) or reset. A
  // parallel group rather than `timer || read`, because `||` would drop what
  // a read that lost the race still returned, and those bytes may be the
  // client's next request. A client that half-closes after its request
  // counts as gone: curl and browsers do not, and telling the two apart
  // would need a second connection state for little gain.
  net::awaitable<woke> sleep_watching(connection& c) {
    // A client that piles up this much unanswered input is not read further
    // until answered: the buffer stays bounded, and only that client loses
    // the early release of its slot.
    if (c.buffer.size() >= 64 * 1024) {
      co_await c.timer.async_wait(with_error);
      co_return woke::timer;
    }
    auto [order, timer_ec, read_ec, n] =
        co_await net::experimental::make_parallel_group(
            c.timer.async_wait(net::deferred),
            c.stream.socket().async_read_some(c.buffer.prepare(4096), net::deferred))
            .async_wait(net::experimental::wait_for_one(), net::use_awaitable);
    c.buffer.commit(n);  // even when the timer won: the read may have got bytes
    if (read_ec && read_ec != net::error::operation_aborted) co_return woke::peer_gone;
    co_return order[0] == 1 && !read_ec ? woke::data : woke::timer;
  }

  // The answer itself. Counted in the stats before the bytes leave, so that
  // a client holding its answer can rely on the counters including it.
  response respond(plan p, const request& req, request_record& rec) {
    if (p.status == 0) p.status = 200;
    if (p.body.empty())
      p.body = "request " + std::to_string(rec.number) + ": " + rec.method + " " + rec.target +
               " answered " + std::to_string(p.status) + " after " +
               std::to_string(p.latency.count()) + " ms\n";

    response res(static_cast<http::status>(p.status), req.version());
    res.set(http::field::server, "lunch-latency-server");
    res.set("X-Lunch-Request", std::to_string(rec.number));
    res.set("X-Lunch-Latency-Ms", std::to_string(p.latency.count()));
    if (p.status == 429) res.set(http::field::retry_after, "1");
    res.keep_alive(req.keep_alive());
    // No body and no Content-Length for 204 and 304: prepare_payload() would
    // throw for a body, and add "Content-Length: 0" (forbidden for 204).
    if (!has_no_body(p.status)) {
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = std::move(p.body);
      res.prepare_payload();
      if (req.method() == http::verb::head) res.body().clear();  // length stays
    }

    rec.status = p.status;
    if (p.status == 429) ++rejected;
    if (p.status == 500) ++failed;
    ++served;
    return res;
  }

  // Sends within body_timeout: a client that stops reading its answers must
  // not keep the connection forever either.
  net::awaitable<bool> send(connection& c, response& res) {
    c.stream.expires_after(options.body_timeout);
    auto [ec, n] = co_await http::async_write(c.stream, res, with_error);
    co_return !ec;
  }

  // The log line of a request that ended, answered (status) or left (0).
  void log(request_record& rec, std::chrono::steady_clock::time_point arrived) {
    rec.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - arrived);
    if (options.on_request) options.on_request(rec);
  }

  // ------------------------------------------------------------- control

  // Runs on the server thread, posted by release(). Every request that saw
  // the gate held is already waiting by then: none misses this wake-up.
  void open_gate() {
    for (connection* c : connections.busy)
      if (c->at_gate) c->timer.cancel();
  }

  // Runs on the server thread, posted by stop().
  void shut_down() {
    stopping = true;
    error_code ignored;
    acceptor.close(ignored);
    for (connection_list* list : {&connections.waiting, &connections.busy, &connections.closing})
      for (connection* c : *list) {
        c->timer.cancel();
        c->stream.close();
      }
  }

  void stop() {
    // From on_request, stop() would wait for its own thread to end.
    if (std::this_thread::get_id() == loop_id.load())
      throw std::logic_error("lunch::latency_server: stop() called from the server's own thread");
    std::lock_guard serial(stop_mutex);
    if (!thread.joinable()) return;
    net::post(ioc, [this] { shut_down(); });
    std::unique_lock lock(done_mutex);
    // Every coroutine ends promptly once its socket and timers are closed,
    // so the loop runs out of work. If something still holds it after two
    // seconds, stop the loop outright: stop() must never hang a test.
    if (!done_cv.wait_for(lock, 2s, [this] { return loop_done; })) ioc.stop();
    lock.unlock();
    thread.join();
  }
};

latency_server::latency_server(server_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

latency_server::~latency_server() { stop(); }

void latency_server::stop() { impl_->stop(); }

unsigned short latency_server::port() const { return impl_->port; }

std::string latency_server::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/";
}

server_stats latency_server::stats() const {
  server_stats s;
  s.received = impl_->received.load();
  s.served = impl_->served.load();
  s.in_flight = impl_->in_flight.load();
  s.peak_in_flight = impl_->peak.load();
  s.rejected = impl_->rejected.load();
  s.failed = impl_->failed.load();
  s.abandoned = impl_->abandoned.load();
  s.connections = impl_->connections.open.load();
  return s;
}

void latency_server::reset_stats() {
  impl_->received = 0;
  impl_->served = 0;
  impl_->rejected = 0;
  impl_->failed = 0;
  impl_->abandoned = 0;
  impl_->peak = impl_->in_flight.load();
}

const jitter_source& latency_server::jitter() const { return impl_->jitter; }

void latency_server::hold() { impl_->held = true; }

void latency_server::release() {
  impl_->held = false;
  net::post(impl_->ioc, [i = impl_.get()] { i->open_gate(); });
}

}  // namespace lunch
