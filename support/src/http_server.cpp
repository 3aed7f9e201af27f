// The latency server behind lunch/http.hpp: Boost.Beast over C++20
// coroutines, one connection per coroutine, all on one thread of its own.
//
// Why one thread: loopback traffic for a demo or a test is a few thousand
// requests at most, which one thread answers easily, and a single thread
// makes the shared state (the connection list, the gate, the peak counter)
// safe without a strand or a lock. The counters are atomics only because
// tests and demos read them from their own threads.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "lunch/http.hpp"

namespace lunch {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
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

// One connection. It lives in its coroutine's frame; the server keeps a
// pointer to it so that stop() can close the socket and end the coroutine.
struct connection {
  beast::tcp_stream stream;
  net::steady_timer timer;  // the request's latency
  explicit connection(tcp::socket s)
      : stream(std::move(s)), timer(stream.get_executor()) {}
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

  // Written on the server thread, read from anywhere.
  std::atomic<std::uint64_t> received{0}, served{0}, rejected{0}, failed{0};
  // Request numbers, which pick each request's latency and failure: not
  // reset by reset_stats(), so the jitter sequence just carries on.
  std::atomic<std::uint64_t> numbered{0};
  std::atomic<int> in_flight{0}, peak{0};
  std::atomic<bool> held{false};

  // Server thread only. Declared before the io_context on purpose: if a
  // forced stop leaves coroutine frames behind, the io_context destroys
  // them, and their clean-up still needs these.
  std::list<connection*> connections;
  bool stopping = false;

  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  // The gate is a timer that never expires: cancel() wakes every waiter,
  // the usual Asio stand-in for a condition variable.
  net::steady_timer gate{ioc, net::steady_timer::time_point::max()};
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
    if (options.max_in_flight < 0)
      throw std::invalid_argument("latency_server: max_in_flight must be >= 0");
    if (!(options.fail_rate >= 0.0 && options.fail_rate <= 1.0))
      throw std::invalid_argument("latency_server: fail_rate must be in [0, 1]");

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
      net::co_spawn(ioc, serve(std::move(socket)), report("a connection"));
    }
  }

  net::awaitable<void> serve(tcp::socket socket) {
    connection c(std::move(socket));
    connections.push_front(&c);
    const auto registered = connections.begin();
    struct unregister {
      impl* self;
      std::list<connection*>::iterator it;
      ~unregister() { self->connections.erase(it); }
    } guard{this, registered};

    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(c.stream, buffer, req, with_error);
      if (ec || stopping) break;  // the client left (or sent garbage), or stop()

      const auto arrived = std::chrono::steady_clock::now();
      request_record rec;
      auto res = co_await answer(c, req, rec);
      if (stopping) break;  // stop() came during the latency: just close

      auto [wec, wn] = co_await http::async_write(c.stream, res, with_error);
      if (wec) break;
      rec.took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - arrived);
      if (options.on_request) options.on_request(rec);
      if (!res.keep_alive()) break;
    }
    error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Builds the answer to one request, waiting for the gate and the latency.
  // The reference parameters are safe: serve() awaits this at once.
  net::awaitable<http::response<http::string_body>> answer(
      connection& c, const http::request<http::string_body>& req,
      request_record& rec) {
    ++received;
    const std::uint64_t number = numbered.fetch_add(1) + 1;
    rec.number = number;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    rec.in_flight = in_flight.load();

    std::string_view path = req.target();
    path = path.substr(0, path.find('?'));
    auto latency = jitter.latency(number);
    int status = 0;  // 0: decided after the latency
    std::string body;
    if (path.starts_with("/delay/")) {
      const long long ms = number_after(path, "/delay/");
      if (ms < 0 || ms > 600'000) {
        status = 400;
        body = "bad delay: use /delay/MS with 0 <= MS <= 600000\n";
      } else {
        latency = std::chrono::milliseconds(ms);
      }
    } else if (path.starts_with("/status/")) {
      const long long code = number_after(path, "/status/");
      if (code < 100 || code > 599) {
        status = 400;
        body = "bad status: use /status/CODE with 100 <= CODE <= 599\n";
      } else {
        status = static_cast<int>(code);
      }
    }

    const int limit = options.max_in_flight;
    if (status == 400) {
      latency = 0ms;  // a malformed override is answered at once
    } else if (limit > 0 && in_flight.load() >= limit) {
      // Over the limit: answer at once, without ever being in flight. This
      // is what a rate-limited API does, and what chapter 04 measures.
      status = 429;
      latency = 0ms;
      body = "too many requests in flight (the limit is " + std::to_string(limit) + ")\n";
    } else {
      const int now = in_flight.fetch_add(1) + 1;
      for (int seen = peak.load(); now > seen && !peak.compare_exchange_weak(seen, now);) {
      }
      struct leave {
        std::atomic<int>& n;
        ~leave() { --n; }
      } in_flight_guard{in_flight};

      // A plain bool loop, not one wait: cancel() may wake us for stop().
      while (held.load() && !stopping) co_await gate.async_wait(with_error);
      if (!stopping && latency > 0ms) {
        c.timer.expires_after(latency);
        co_await c.timer.async_wait(with_error);
      }
      if (status == 0 && options.fail_rate > 0.0 && jitter.chance(number) < options.fail_rate) {
        status = 500;
        body = "injected failure (fail rate " + std::to_string(options.fail_rate) + ")\n";
      }
    }
    if (stopping) co_return http::response<http::string_body>{};  // not sent
    if (status == 0) status = 200;
    if (body.empty())
      body = "request " + std::to_string(number) + ": " + rec.method + " " +
             rec.target + " answered " + std::to_string(status) + " after " +
             std::to_string(latency.count()) + " ms\n";

    http::response<http::string_body> res(static_cast<http::status>(status), req.version());
    res.set(http::field::server, "lunch-latency-server");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set("X-Lunch-Request", std::to_string(number));
    res.set("X-Lunch-Latency-Ms", std::to_string(latency.count()));
    if (status == 429) res.set(http::field::retry_after, "1");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();  // length stays

    rec.status = status;
    if (status == 429) ++rejected;
    if (status == 500) ++failed;
    // Counted before the bytes leave, so a client that has its answer can
    // rely on the counter already including it.
    ++served;
    co_return res;
  }

  // Runs on the server thread, posted by stop().
  void shut_down() {
    stopping = true;
    error_code ignored;
    acceptor.close(ignored);
    gate.cancel();
    for (connection* c : connections) {
      c->timer.cancel();
      c->stream.socket().close(ignored);
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
  return s;
}

void latency_server::reset_stats() {
  impl_->received = 0;
  impl_->served = 0;
  impl_->rejected = 0;
  impl_->failed = 0;
  impl_->peak = impl_->in_flight.load();
}

const jitter_source& latency_server::jitter() const { return impl_->jitter; }

void latency_server::hold() { impl_->held = true; }

void latency_server::release() {
  impl_->held = false;
  // The cancel runs on the server thread, after any request that saw
  // `held` still true has started waiting: no wake-up is lost.
  net::post(impl_->ioc, [i = impl_.get()] { i->gate.cancel(); });
}

}  // namespace lunch
