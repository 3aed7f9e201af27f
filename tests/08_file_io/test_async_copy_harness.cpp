// See test_async_copy_harness.hpp. The tasks around a copy never throw:
// when the copy fails, its own exception is the one to report, not the other
// tasks' complaints about closed pipes.
#include "test_async_copy_harness.hpp"

#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

#include "lunch/tasks.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace async_copy_harness {
namespace {

// A write to a pipe whose reader is gone raises SIGPIPE, which would end
// the test program; ignored, the write fails with EPIPE, which the copy
// must report. (Asio's sockets send with MSG_NOSIGNAL already.)
const bool sigpipe_ignored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

struct pipe_pair {
  pipe_end read, write;
};

pipe_pair make_pipe(net::any_io_executor ex) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  return {pipe_end(ex, fds[0]), pipe_end(ex, fds[1])};
}

// Writes `data` and closes: the reader then sees end of file.
net::awaitable<void> produce(pipe_end& out, const std::string& data) {
  lunch::pending p("the producer writes into the source pipe");
  co_await net::async_write(out, net::buffer(data), net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  out.close(ignored);
}

// Reads everything, in small reads that leave the pipe full most of the
// time: the copy's writes into it are then partial.
template <class Stream>
net::awaitable<void> consume(Stream& in, std::string& got) {
  lunch::pending p("the consumer reads the destination until end of file");
  co_await lunch::nap(10ms);  // let the destination pipe fill up first
  char chunk[4096];
  for (;;) {
    auto [ec, n] = co_await in.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
    got.append(chunk, n);
    if (ec) break;
  }
}

// A TCP connection on loopback: {the client's socket, the server's}.
net::awaitable<std::pair<tcp::socket, tcp::socket>> connect_pair() {
  auto ex = co_await net::this_coro::executor;
  tcp::acceptor acceptor(ex, {net::ip::make_address("127.0.0.1"), 0});
  tcp::socket client(ex);
  co_await client.async_connect(acceptor.local_endpoint(), net::use_awaitable);
  tcp::socket server = co_await acceptor.async_accept(net::use_awaitable);
  co_return std::pair{std::move(client), std::move(server)};
}

net::awaitable<void> send_then_shutdown(tcp::socket& s, const std::string& data) {
  lunch::pending p("the client sends its data");
  co_await net::async_write(s, net::buffer(data), net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  s.shutdown(tcp::socket::shutdown_send, ignored);
}

std::string temp_path(const std::string& name) {
  const std::string file = "lunch-08-" + std::to_string(::getpid()) + "-" + name;
  return (fs::temp_directory_path() / file).string();
}

// The copy stops reading when its write fails: this producer then gives up
// quietly instead of throwing.
net::awaitable<void> produce_until_refused(pipe_end& out, const std::string& data) {
  co_await net::async_write(out, net::buffer(data), net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  out.close(ignored);
}

}  // namespace

std::string payload(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

std::string compare(const std::string& got, const std::string& sent) {
  if (got == sent) return "identical";
  std::size_t i = 0;
  while (i < got.size() && i < sent.size() && got[i] == sent[i]) ++i;
  return "received " + std::to_string(got.size()) + " of " + std::to_string(sent.size()) +
         " bytes, first difference at byte " + std::to_string(i);
}

net::awaitable<copied> pipe_to_pipe(const copier& copy, const std::string& data,
                                    std::size_t buffer_size) {
  auto ex = co_await net::this_coro::executor;
  auto source = make_pipe(ex);
  auto dest = make_pipe(ex);
  copied c;
  lunch::task_group others(ex);
  others.spawn(produce(source.write, data));
  others.spawn(consume(dest.read, c.got));
  std::exception_ptr failed;
  try {
    lunch::pending p("async_copy from one pipe to another");
    c.count = co_await copy.between_pipes(source.read, dest.write, buffer_size);
  } catch (...) {
    failed = std::current_exception();
    source.read.close();  // a producer still writing gets "broken pipe" and stops
  }
  dest.write.close();  // the consumer's end of file
  co_await others.wait();
  if (failed) std::rethrow_exception(failed);
  co_return c;
}

net::awaitable<copied> echo_over_tcp(const copier& copy, const std::string& data) {
  auto ex = co_await net::this_coro::executor;
  auto [client, server] = co_await connect_pair();
  copied c;
  lunch::task_group client_side(ex);
  client_side.spawn(send_then_shutdown(client, data));
  client_side.spawn(consume(client, c.got));
  std::exception_ptr failed;
  try {
    lunch::pending p("async_copy(server socket, server socket): the echo");
    c.count = co_await copy.between_sockets(server, server, 8192);
    server.shutdown(tcp::socket::shutdown_send);  // the client's end of file
  } catch (...) {
    failed = std::current_exception();
    server.close();  // the client's send and read end
  }
  co_await client_side.wait();
  if (failed) std::rethrow_exception(failed);
  co_return c;
}

temp_file::temp_file(const std::string& name) : path(temp_path(name)) {}

temp_file::~temp_file() {
  std::error_code ec;
  fs::remove(path, ec);
}

void write_whole(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

net::awaitable<file_copy_result> file_to_file(const copier& copy, const std::string& src,
                                              const std::string& dst, file_mode mode) {
  auto ex = co_await net::this_coro::executor;
  file_copy_result r;
#if defined(BOOST_ASIO_HAS_IO_URING)
  {
    std::optional<net::stream_file> from, to;
    try {
      if (mode == file_mode::refused)
        throw boost::system::system_error(
            boost::system::error_code(EPERM, boost::system::system_category()), "io_uring_queue_init");
      from.emplace(ex, src, net::stream_file::read_only);
      to.emplace(ex, dst,
                 net::stream_file::write_only | net::stream_file::create | net::stream_file::truncate);
    } catch (const boost::system::system_error& e) {
      r.kind = std::string("io_uring unavailable here (") + e.what() + "), ";
      from.reset();
      to.reset();
    }
    if (from) {
      r.kind = "io_uring stream_file";
      r.c.count = co_await copy.between_files(*from, *to, 4096);
      co_return r;
    }
  }
#else
  r.kind = "io_uring unavailable here (this build has no liburing), ";
  (void)mode;
#endif
  const int in_fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  const int out_fd = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE_MESSAGE((in_fd >= 0 && out_fd >= 0), "could not open the test's temporary files");
  pipe_end from(ex, in_fd), to(ex, out_fd);
  r.kind += "posix::stream_descriptor";
  r.c.count = co_await copy.between_pipes(from, to, 4096);
  co_return r;
}

net::awaitable<std::string> copy_from_a_reset_connection(const copier& copy) {
  auto ex = co_await net::this_coro::executor;
  auto [client, server] = co_await connect_pair();
  co_await net::async_write(client, net::buffer(std::string(1000, 'x')), net::use_awaitable);
  client.set_option(net::socket_base::linger(true, 0));  // close() then resets
  client.close();
  auto dest = make_pipe(ex);
  std::string got;
  lunch::task_group reader(ex);
  reader.spawn(consume(dest.read, got));
  std::string outcome;
  std::exception_ptr failed;
  try {
    lunch::pending p("async_copy from a connection the peer has reset");
    const std::size_t n = co_await copy.socket_into_pipe(server, dest.write, 4096);
    outcome = "returned " + std::to_string(n) + " without an error";
  } catch (const boost::system::system_error& e) {
    outcome = e.code() == net::error::connection_reset ? "connection reset" : e.what();
  } catch (...) {
    failed = std::current_exception();  // a TODO, say: shown as it is
  }
  dest.write.close();
  co_await reader.wait();
  if (failed) std::rethrow_exception(failed);
  co_return outcome;
}

net::awaitable<std::string> copy_into_a_closed_pipe(const copier& copy) {
  auto ex = co_await net::this_coro::executor;
  auto source = make_pipe(ex);
  auto dest = make_pipe(ex);
  dest.read.close();
  const std::string data = payload(200'000);
  lunch::task_group producer(ex);
  producer.spawn(produce_until_refused(source.write, data));
  std::string outcome;
  std::exception_ptr failed;
  try {
    lunch::pending p("async_copy into a pipe nobody reads any more");
    const std::size_t n = co_await copy.between_pipes(source.read, dest.write, 4096);
    outcome = "returned " + std::to_string(n) + " without an error";
  } catch (const boost::system::system_error& e) {
    outcome = e.code() == net::error::broken_pipe ? "broken pipe" : e.what();
  } catch (...) {
    failed = std::current_exception();
  }
  source.read.close();  // the producer's pending write fails and it ends
  co_await producer.wait();
  if (failed) std::rethrow_exception(failed);
  co_return outcome;
}

}  // namespace async_copy_harness
