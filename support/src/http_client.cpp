// lunch::http_get, the coroutine HTTP client of lunch/http.hpp (Boost.Beast).
//
// One connection per request, closed by the client once the answer is in.
// A real client would keep connections alive and reuse them; this one keeps
// each request independent, so a demo's "100 requests" really are 100
// separate pieces of I/O, and the client closing first leaves the TIME_WAIT
// sockets on the client side, where Linux reuses them on loopback.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "lunch/http.hpp"

namespace lunch {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
constexpr auto with_error = net::as_tuple(net::use_awaitable);

struct local_url {
  std::string host;  // as written, for the Host header
  unsigned short port = 80;
  std::string target;
};

[[noreturn]] void not_local(const std::string& url) {
  throw http_error("GET " + url +
                   ": only http://127.0.0.1:PORT/... and http://localhost:PORT/... "
                   "URLs are supported (the course never leaves this machine)");
}

local_url parse(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) not_local(url);
  std::string_view rest = std::string_view(url).substr(scheme.size());
  const auto host_end = rest.find_first_of(":/?");
  local_url out;
  out.host = std::string(rest.substr(0, host_end));
  if (out.host != "127.0.0.1" && out.host != "localhost") not_local(url);
  rest = host_end == std::string_view::npos ? std::string_view{} : rest.substr(host_end);
  if (rest.starts_with(':')) {
    const auto port_end = std::min(rest.find_first_of("/?"), rest.size());
    const std::string_view digits = rest.substr(1, port_end - 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 ||
        port > 65535)
      throw http_error("GET " + url + ": bad port number '" + std::string(digits) + "'");
    out.port = static_cast<unsigned short>(port);
    rest = rest.substr(port_end);
  }
  out.target = rest.empty() ? "/" : std::string(rest);
  if (out.target.front() == '?') out.target.insert(0, "/");
  return out;
}

[[noreturn]] void fail(const std::string& url, const char* step, error_code ec,
                       std::chrono::milliseconds timeout, unsigned short port) {
  std::string why;
  if (ec == beast::error::timeout)
    why = "timed out after " + std::to_string(timeout.count()) + " ms (while " + step + ")";
  else if (ec == net::error::connection_refused)
    why = "connection refused: nothing listens on port " + std::to_string(port) +
          " (is the server running?)";
  else if (ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe)
    why = "the server closed the connection before answering (while " +
          std::string(step) + ")";
  else if (ec == net::error::operation_aborted)
    why = "cancelled (while " + std::string(step) + ")";
  else
    why = std::string(step) + ": " + ec.message();
  throw http_error("GET " + url + ": " + why);
}

// The exchange itself. It runs on a strand of its own (see http_get): the
// stream's timeout handler and the coroutine must never run at the same time
// on two threads of a multi-threaded io_context.
net::awaitable<http_response> exchange(std::string url, local_url where,
                                       std::chrono::milliseconds timeout) {
  beast::tcp_stream stream(co_await net::this_coro::executor);
  // One deadline for connect, send and receive together: expires_after sets
  // an absolute time that every following operation shares.
  stream.expires_after(timeout);

  // 127.0.0.1 for "localhost" too, without a resolver: the server listens on
  // IPv4 loopback only, and "localhost" may resolve to ::1 first.
  const tcp::endpoint server(net::ip::address_v4::loopback(), where.port);
  auto [cec] = co_await stream.async_connect(server, with_error);
  if (cec) fail(url, "connecting", cec, timeout, where.port);

  http::request<http::empty_body> req(http::verb::get, where.target, 11);
  req.set(http::field::host, where.host + ":" + std::to_string(where.port));
  req.set(http::field::user_agent, "lunch-http-get");
  auto [wec, wn] = co_await http::async_write(stream, req, with_error);
  if (wec) fail(url, "sending the request", wec, timeout, where.port);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, with_error);
  if (rec) fail(url, "reading the response", rec, timeout, where.port);

  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  auto& msg = parser.get();
  http_response out;
  out.status = static_cast<int>(msg.result_int());
  out.body = std::move(msg.body());
  for (const auto& field : msg)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  co_return out;
}

bool same_letters(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string http_response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (same_letters(key, name)) return value;
  return {};
}

net::awaitable<http_response> http_get(std::string url,
                                       std::chrono::milliseconds timeout) {
  local_url where = parse(url);
  auto strand = net::make_strand(co_await net::this_coro::executor);
  // Built in its own statement, not inside the co_await expression: g++ 12
  // mishandles temporaries with destructors there (see ASIO_NOTES).
  auto op = net::co_spawn(strand, exchange(std::move(url), std::move(where), timeout),
                          net::use_awaitable);
  co_return co_await std::move(op);
}

}  // namespace lunch
