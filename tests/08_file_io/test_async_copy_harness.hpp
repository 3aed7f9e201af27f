// The half of test_async_copy.cpp that does not depend on the exercise: the
// pipes, connections and files that each scenario copies between, and the
// producers and consumers around the copy. It is compiled once, with the
// course; async_copy comes in as one plain function per pair of stream types.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#if defined(BOOST_ASIO_HAS_IO_URING)
#include <boost/asio/stream_file.hpp>
#endif

#include <cstddef>
#include <functional>
#include <string>

namespace async_copy_harness {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using pipe_end = net::posix::stream_descriptor;

// The code under test, async_copy(from, to, buffer_size), for each pair of
// streams the scenarios copy between (a template cannot cross into a
// library compiled once: the test file instantiates it for each pair).
template <class From, class To>
using copy_fn = std::function<net::awaitable<std::size_t>(From&, To&, std::size_t)>;
struct copier {
  copy_fn<pipe_end, pipe_end> between_pipes;  // also a plain descriptor on a file
  copy_fn<tcp::socket, tcp::socket> between_sockets;
  copy_fn<tcp::socket, pipe_end> socket_into_pipe;
#if defined(BOOST_ASIO_HAS_IO_URING)
  copy_fn<net::stream_file, net::stream_file> between_files;
#endif
};

// n bytes of a pseudo-random pattern (the same for the same n).
std::string payload(std::size_t n);

// "identical", or how many bytes arrived and where the first difference is.
std::string compare(const std::string& got, const std::string& sent);

// What a copy returned, and what the reader at the other end received.
struct copied {
  std::size_t count = 0;
  std::string got;
};

// Copies `data` from one pipe to another: a producer writes it into the
// source pipe, a slow consumer reads the destination (so the copy's writes
// are partial). Rethrows what the copy throws.
net::awaitable<copied> pipe_to_pipe(const copier& copy, const std::string& data,
                                    std::size_t buffer_size);

// An echo server, async_copy(s, s) with an 8 KiB buffer, on a loopback TCP
// connection: a client sends `data`, shuts down its sending side and reads
// the echo until end of file.
net::awaitable<copied> echo_over_tcp(const copier& copy, const std::string& data);

// A file under the temporary directory, named after the process and
// `name`, removed on every way out of a test. (Paths are strings here: the
// test file then need not parse <filesystem> on each check.)
struct temp_file {
  std::string path;
  explicit temp_file(const std::string& name);
  ~temp_file();
};

// Writes `data` as the whole content of a file; returns its content.
void write_whole(const std::string& path, const std::string& data);
std::string read_whole(const std::string& path);

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
  copied c;          // c.got stays empty: the test reads dst
  std::string kind;  // how the files were opened, and why
};

net::awaitable<file_copy_result> file_to_file(const copier& copy, const std::string& src,
                                              const std::string& dst, file_mode mode);

// A copy from a connection whose peer sent 1000 bytes and then reset it,
// into a pipe: "connection reset" when the copy throws that, "returned N
// without an error" when it returns, or the other error's text.
net::awaitable<std::string> copy_from_a_reset_connection(const copier& copy);

// A copy of 200,000 bytes into a pipe whose reader was closed before it
// started: "broken pipe" when the copy throws that, otherwise as above.
net::awaitable<std::string> copy_into_a_closed_pipe(const copier& copy);

}  // namespace async_copy_harness
