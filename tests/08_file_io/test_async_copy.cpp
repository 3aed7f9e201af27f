// Tests for exercises/08_file_io/async_copy.hpp
//
// The same copy runs over three kinds of stream: pipes (posix::
// stream_descriptor), a TCP connection on 127.0.0.1, and files. Files go
// through io_uring's stream_file where the kernel allows it, and through a
// plain descriptor where it does not; both branches are run here, the second
// by asking for it, so the fallback is tested even on a machine with io_uring.
// The payload is a pseudo-random pattern whose size is not a multiple of any
// buffer size used, so a lost tail, a duplicated chunk or a short write shows
// as a difference at a named offset. The pipes, connections and scenarios
// are in test_async_copy_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <string>

#include "async_copy.hpp"
#include "lunch/run.hpp"
#include "test_async_copy_harness.hpp"

using namespace std::chrono_literals;
using namespace async_copy_harness;

namespace {

// async_copy, instantiated for each pair of streams the scenarios use.
const copier the_copy{
    .between_pipes = [](pipe_end& from, pipe_end& to,
                        std::size_t n) { return async_copy(from, to, n); },
    .between_sockets = [](tcp::socket& from, tcp::socket& to,
                          std::size_t n) { return async_copy(from, to, n); },
    .socket_into_pipe = [](tcp::socket& from, pipe_end& to,
                           std::size_t n) { return async_copy(from, to, n); },
#if defined(BOOST_ASIO_HAS_IO_URING)
    .between_files = [](net::stream_file& from, net::stream_file& to,
                        std::size_t n) { return async_copy(from, to, n); },
#endif
};

}  // namespace

TEST_SUITE("async_copy") {

TEST_CASE("a pipe is copied byte for byte, its size not a multiple of the buffer") {
  const std::string data = payload(300'007);
  auto c = lunch::run(pipe_to_pipe(the_copy, data, 4096),
                      {.deadline = 5s, .what = "pipe to pipe, 4 KiB buffer"});
  CHECK_MESSAGE(compare(c.got, data) == "identical",
                "pipe to pipe with a 4 KiB buffer: " << compare(c.got, data));
  CHECK_MESSAGE(c.count == data.size(),
                "async_copy returned " << c.count << ", but " << data.size() << " bytes were copied");
}

TEST_CASE("a buffer bigger than the pipe: every byte of each partial write arrives") {
  const std::string data = payload(300'007);
  auto c = lunch::run(pipe_to_pipe(the_copy, data, 256 * 1024),
                      {.deadline = 5s, .what = "pipe to pipe, 256 KiB buffer"});
  CHECK_MESSAGE(compare(c.got, data) == "identical",
                "pipe to pipe with a 256 KiB buffer, where a pipe holds 64 KiB and "
                "takes part of a write when it is nearly full: " << compare(c.got, data)
                << " (async_write_some writes what fits; async_write writes it all)");
  CHECK_MESSAGE(c.count == data.size(),
                "async_copy returned " << c.count << ", but " << data.size() << " bytes were copied");
}

TEST_CASE("an empty source copies nothing and returns 0") {
  auto c = lunch::run(pipe_to_pipe(the_copy, "", 4096), {.deadline = 5s, .what = "an empty pipe"});
  CHECK_MESSAGE(c.count == 0, "async_copy of an empty pipe returned " << c.count);
  CHECK_MESSAGE(c.got.empty(), "an empty source produced " << c.got.size() << " bytes");
}

TEST_CASE("a TCP connection on loopback: async_copy(s, s) echoes every byte") {
  const std::string data = payload(200'003);
  auto c = lunch::run(echo_over_tcp(the_copy, data), {.deadline = 5s, .what = "an echo over TCP"});
  CHECK_MESSAGE(compare(c.got, data) == "identical", "over TCP: " << compare(c.got, data));
  CHECK_MESSAGE(c.count == data.size(),
                "async_copy returned " << c.count << ", but " << data.size() << " bytes were echoed");
}

TEST_CASE("a file is copied byte for byte, through io_uring where the kernel allows it") {
  const std::string data = payload(150'001);
  temp_file src("copy-src"), dst("copy-dst");
  write_whole(src.path, data);
  auto r = lunch::run(file_to_file(the_copy, src.path, dst.path, file_mode::io_uring_if_possible),
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
  write_whole(src.path, data);
  auto r = lunch::run(file_to_file(the_copy, src.path, dst.path, file_mode::refused),
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
  const std::string outcome = lunch::run(copy_from_a_reset_connection(the_copy),
                                         {.deadline = 5s, .what = "a copy from a reset connection"});
  CHECK_MESSAGE(outcome == "connection reset",
                "copying from a connection the peer reset: async_copy " << outcome
                << "; expected it to throw system_error(connection_reset)");
}

TEST_CASE("a write to a closed peer is thrown, and the copy stops") {
  const std::string outcome = lunch::run(copy_into_a_closed_pipe(the_copy),
                                         {.deadline = 5s, .what = "a copy into a closed pipe"});
  CHECK_MESSAGE(outcome == "broken pipe",
                "copying into a pipe whose reader is closed: async_copy " << outcome
                << "; expected it to throw system_error(broken_pipe)");
}

}  // TEST_SUITE
