// Tests for exercises/08_file_io/async_copy.hpp
//
// The same copy runs over three kinds of stream: pipes (posix::
// stream_descriptor), a TCP connection on 127.0.0.1, and files. Files go
// through io_uring's stream_file where the kernel allows it, and through a
// plain descriptor where it does not; both branches are run here, the second
// by asking for it, so the fallback is tested even on a machine with io_uring.
// The payload is a pseudo-random pattern whose size is not a multiple of any
// buffer size used, so a lost tail, a duplicated chunk or a short write shows
// as a difference at a named offset.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#if defined(BOOST_ASIO_HAS_IO_URING)
#include <boost/asio/stream_file.hpp>
#endif

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "async_copy.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using pipe_end = net::posix::stream_descriptor;

namespace {

// A write to a pipe whose reader is gone raises SIGPIPE, which would end
// the test program; ignored, the write fails with EPIPE, which the copy
// must report. (Asio's sockets send with MSG_NOSIGNAL already.)
const bool sigpipe_ignored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

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

// "identical", or where the first difference is.
std::string compare(const std::string& got, const std::string& sent) {
  if (got == sent) return "identical";
  std::size_t i = 0;
  while (i < got.size() && i < sent.size() && got[i] == sent[i]) ++i;
  return "received " + std::to_string(got.size()) + " of " + std::to_string(sent.size()) +
         " bytes, first difference at byte " + std::to_string(i);
}

struct pipe_pair {
  pipe_end read, write;
};

pipe_pair make_pipe(net::any_io_executor ex) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  return {pipe_end(ex, fds[0]), pipe_end(ex, fds[1])};
}

// Writes `data` and closes: the reader then sees end of file. The tasks
// around the copy never throw: when the copy fails, its own exception is
// the one to report, not the other tasks' complaints about closed pipes.
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

struct copied {
  std::size_t count = 0;
  std::string got;
};

net::awaitable<copied> pipe_to_pipe(const std::string& data, std::size_t buffer_size) {
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
    c.count = co_await async_copy(source.read, dest.write, buffer_size);
  } catch (...) {
    failed = std::current_exception();
    source.read.close();  // a producer still writing gets "broken pipe" and stops
  }
  dest.write.close();  // the consumer's end of file
  co_await others.wait();
  if (failed) std::rethrow_exception(failed);
  co_return c;
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

// An echo server is async_copy(s, s): what comes in goes back out.
net::awaitable<copied> echo_over_tcp(const std::string& data) {
  auto ex = co_await net::this_coro::executor;
  auto [client, server] = co_await connect_pair();
  copied c;
  lunch::task_group client_side(ex);
  client_side.spawn(send_then_shutdown(client, data));
  client_side.spawn(consume(client, c.got));
  std::exception_ptr failed;
  try {
    lunch::pending p("async_copy(server socket, server socket): the echo");
    c.count = co_await async_copy(server, server, 8192);
    server.shutdown(tcp::socket::shutdown_send);  // the client's end of file
  } catch (...) {
    failed = std::current_exception();
    server.close();  // the client's send and read end
  }
  co_await client_side.wait();
  if (failed) std::rethrow_exception(failed);
  co_return c;
}

// --------------------------------------------------------------- files

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("lunch-08-" + std::to_string(::getpid()) + "-" + name);
}

// Removes the file on every way out of a test.
struct temp_file {
  fs::path path;
  explicit temp_file(const std::string& name) : path(temp_path(name)) {}
  ~temp_file() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Copies src to dst with both files opened as streams of one kind:
// io_uring's stream_file, where this build has it and the kernel allows it;
// otherwise a posix::stream_descriptor on an ordinary descriptor. epoll
// refuses regular files, and Asio then performs each operation at once: it
// works, but each read blocks the io thread for as long as the disk takes.
// `refused` plays a kernel that refuses io_uring: the constructor's
// exception is thrown where the constructor would run, so the fallback's
// catch is exercised on a machine where io_uring works.
enum class file_mode { io_uring_if_possible, refused };

struct file_copy_result {
  copied c;
  std::string kind;
};

net::awaitable<file_copy_result> file_to_file(const fs::path& src, const fs::path& dst,
                                              file_mode mode) {
  auto ex = co_await net::this_coro::executor;
  file_copy_result r;
#if defined(BOOST_ASIO_HAS_IO_URING)
  {
    std::optional<net::stream_file> from, to;
    try {
      if (mode == file_mode::refused)
        throw boost::system::system_error(
            boost::system::error_code(EPERM, boost::system::system_category()), "io_uring_queue_init");
      from.emplace(ex, src.string(), net::stream_file::read_only);
      to.emplace(ex, dst.string(),
                 net::stream_file::write_only | net::stream_file::create | net::stream_file::truncate);
    } catch (const boost::system::system_error& e) {
      r.kind = std::string("io_uring unavailable here (") + e.what() + "), ";
      from.reset();
      to.reset();
    }
    if (from) {
      r.kind = "io_uring stream_file";
      r.c.count = co_await async_copy(*from, *to, 4096);
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
  r.c.count = co_await async_copy(from, to, 4096);
  co_return r;
}

// ------------------------------------------------------------- errors

// The client sends a little and then resets the connection (SO_LINGER 0):
// the server's next read fails with "connection reset".
net::awaitable<std::string> copy_from_a_reset_connection() {
  auto ex = co_await net::this_coro::executor;
  auto [client, server] = co_await connect_pair();
  co_await net::async_write(client, net::buffer(std::string(1000, 'x')), net::use_awaitable);
  client.set_option(net::socket_base::linger(true, 0));
  client.close();
  auto dest = make_pipe(ex);
  std::string got;
  lunch::task_group reader(ex);
  reader.spawn(consume(dest.read, got));
  std::string outcome;
  std::exception_ptr failed;
  try {
    lunch::pending p("async_copy from a connection the peer has reset");
    const std::size_t n = co_await async_copy(server, dest.write, 4096);
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

// The copy stops reading when its write fails: this producer then gives up
// quietly instead of throwing.
net::awaitable<void> produce_until_refused(pipe_end& out, const std::string& data) {
  co_await net::async_write(out, net::buffer(data), net::as_tuple(net::use_awaitable));
  boost::system::error_code ignored;
  out.close(ignored);
}

// The destination pipe's reader is closed before the copy starts: the
// first write fails with "broken pipe".
net::awaitable<std::string> copy_into_a_closed_pipe() {
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
    const std::size_t n = co_await async_copy(source.read, dest.write, 4096);
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

}  // namespace

TEST_SUITE("async_copy") {

TEST_CASE("a pipe is copied byte for byte, its size not a multiple of the buffer") {
  const std::string data = payload(300'007);
  auto c = lunch::run(pipe_to_pipe(data, 4096), {.deadline = 5s, .what = "pipe to pipe, 4 KiB buffer"});
  CHECK_MESSAGE(compare(c.got, data) == "identical",
                "pipe to pipe with a 4 KiB buffer: " << compare(c.got, data));
  CHECK_MESSAGE(c.count == data.size(),
                "async_copy returned " << c.count << ", but " << data.size() << " bytes were copied");
}

TEST_CASE("a buffer bigger than the pipe: every byte of each partial write arrives") {
  const std::string data = payload(300'007);
  auto c = lunch::run(pipe_to_pipe(data, 256 * 1024),
                      {.deadline = 5s, .what = "pipe to pipe, 256 KiB buffer"});
  CHECK_MESSAGE(compare(c.got, data) == "identical",
                "pipe to pipe with a 256 KiB buffer, where a pipe holds 64 KiB and "
                "takes part of a write when it is nearly full: " << compare(c.got, data)
                << " (async_write_some writes what fits; async_write writes it all)");
  CHECK_MESSAGE(c.count == data.size(),
                "async_copy returned " << c.count << ", but " << data.size() << " bytes were copied");
}

TEST_CASE("an empty source copies nothing and returns 0") {
  auto c = lunch::run(pipe_to_pipe("", 4096), {.deadline = 5s, .what = "an empty pipe"});
  CHECK_MESSAGE(c.count == 0, "async_copy of an empty pipe returned " << c.count);
  CHECK_MESSAGE(c.got.empty(), "an empty source produced " << c.got.size() << " bytes");
}

TEST_CASE("a TCP connection on loopback: async_copy(s, s) echoes every byte") {
  const std::string data = payload(200'003);
  auto c = lunch::run(echo_over_tcp(data), {.deadline = 5s, .what = "an echo over TCP"});
  CHECK_MESSAGE(compare(c.got, data) == "identical", "over TCP: " << compare(c.got, data));
  CHECK_MESSAGE(c.count == data.size(),
                "async_copy returned " << c.count << ", but " << data.size() << " bytes were echoed");
}

TEST_CASE("a file is copied byte for byte, through io_uring where the kernel allows it") {
  const std::string data = payload(150'001);
  temp_file src("copy-src"), dst("copy-dst");
  std::ofstream(src.path, std::ios::binary) << data;
  auto r = lunch::run(file_to_file(src.path, dst.path, file_mode::io_uring_if_possible),
                      {.deadline = 5s, .what = "a file copy"});
  INFO("the files were opened as: " << r.kind);
  const std::string got = read_whole(dst.path);
  CHECK_MESSAGE(compare(got, data) == "identical", "file to file: " << compare(got, data));
  CHECK_MESSAGE(r.c.count == data.size(),
                "async_copy returned " << r.c.count << ", but " << data.size() << " bytes were copied");
#if defined(BOOST_ASIO_HAS_IO_URING)
  if (r.kind != "io_uring stream_file")
    MESSAGE("io_uring was not used: " << r.kind);
#endif
}

TEST_CASE("where the kernel refuses io_uring, a file still copies through a plain descriptor") {
  const std::string data = payload(150'001);
  temp_file src("fallback-src"), dst("fallback-dst");
  std::ofstream(src.path, std::ios::binary) << data;
  auto r = lunch::run(file_to_file(src.path, dst.path, file_mode::refused),
                      {.deadline = 5s, .what = "a file copy without io_uring"});
  const std::string got = read_whole(dst.path);
  INFO("the files were opened as: " << r.kind);
  CHECK(r.kind.find("io_uring unavailable here (") == 0);
  CHECK(r.kind.find("posix::stream_descriptor") != std::string::npos);
  CHECK_MESSAGE(compare(got, data) == "identical", "file to file, no io_uring: " << compare(got, data));
  CHECK_MESSAGE(r.c.count == data.size(),
                "async_copy returned " << r.c.count << ", but " << data.size() << " bytes were copied");
}

TEST_CASE("a read error (the peer reset the connection) is thrown, not taken for end of file") {
  const std::string outcome = lunch::run(copy_from_a_reset_connection(),
                                         {.deadline = 5s, .what = "a copy from a reset connection"});
  CHECK_MESSAGE(outcome == "connection reset",
                "copying from a connection the peer reset: async_copy " << outcome
                << "; expected it to throw system_error(connection_reset)");
}

TEST_CASE("a write to a closed peer is thrown, and the copy stops") {
  const std::string outcome = lunch::run(copy_into_a_closed_pipe(),
                                         {.deadline = 5s, .what = "a copy into a closed pipe"});
  CHECK_MESSAGE(outcome == "broken pipe",
                "copying into a pipe whose reader is closed: async_copy " << outcome
                << "; expected it to throw system_error(broken_pipe)");
}

}  // TEST_SUITE
