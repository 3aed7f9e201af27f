// Demo 08/read_methods: four ways to read a file from asynchronous code.
//
// A temporary file of --mib MiB is written (so it sits in the page cache,
// as a file just written or often read does) and read back whole, at chunk
// sizes of 4 KiB, 64 KiB and 1 MiB, four ways:
//   blocking        read() in a loop on the io thread: fastest, and the io
//                   thread serves nothing else meanwhile
//   pool per read   each read() is its own trip to a thread pool and back:
//                   what tokio::fs does for every call
//   one offload     one trip: a pool thread reads the whole file, then hands
//                   back the result (batching the blocking work)
//   io_uring        Asio's stream_file: the kernel does the reads, the io
//                   thread only submits and collects
// The table is the talk's caveat (tokio issue #3664) measured: the cost of
// a trip to the pool is paid per call, so small chunks make it dominate.
#include <boost/asio.hpp>
#if defined(BOOST_ASIO_HAS_IO_URING)
#include <boost/asio/stream_file.hpp>
#endif

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// ------------------------------------------------- the temporary file

// The file's path, for the signal handler: Ctrl-C in the middle of a live
// demo must not leave 64 MiB behind in /tmp.
char temp_path_for_signals[4096];

extern "C" void remove_temp_and_exit(int sig) {
  if (temp_path_for_signals[0]) ::unlink(temp_path_for_signals);  // async-signal-safe
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Removed when the demo ends, however it ends (return, exception, signal).
struct temp_file {
  fs::path path;
  explicit temp_file(std::size_t bytes) {
    path = fs::temp_directory_path() / ("lunch-08-read-" + std::to_string(::getpid()) + ".bin");
    std::snprintf(temp_path_for_signals, sizeof temp_path_for_signals, "%s", path.c_str());
    std::signal(SIGINT, remove_temp_and_exit);
    std::signal(SIGTERM, remove_temp_and_exit);
    std::signal(SIGHUP, remove_temp_and_exit);
    std::signal(SIGPIPE, remove_temp_and_exit);  // `demo | head` closes our stdout early
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + path.string());
    std::vector<char> block(1 << 20);
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 31 + 7);
    for (std::size_t done = 0; done < bytes;) {
      const std::size_t n = std::min(block.size(), bytes - done);
      if (::write(fd, block.data(), n) != static_cast<ssize_t>(n)) {
        ::close(fd);
        throw std::runtime_error("cannot write " + path.string());
      }
      done += n;
    }
    ::close(fd);
  }
  ~temp_file() {
    std::error_code ec;
    fs::remove(path, ec);
    temp_path_for_signals[0] = '\0';
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
};

struct fd_guard {
  int fd;
  explicit fd_guard(const fs::path& p) : fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd < 0) throw std::runtime_error("cannot open " + p.string());
  }
  ~fd_guard() { ::close(fd); }
};

// What a read produced: the byte count and a checksum, so that every
// method provably read every byte.
struct result {
  std::uint64_t bytes = 0, sum = 0;
  void add(const char* p, std::size_t n) {
    bytes += n;
    for (std::size_t i = 0; i < n; i += 512) sum += static_cast<unsigned char>(p[i]);
  }
};

// Reads the whole file with read() in `chunk`-sized calls: blocking.
result read_all_blocking(const fs::path& p, std::size_t chunk) {
  fd_guard f(p);
  std::vector<char> buf(chunk);
  result r;
  for (;;) {
    const ssize_t n = ::read(f.fd, buf.data(), chunk);
    if (n < 0) throw std::runtime_error("read failed");
    if (n == 0) return r;
    r.add(buf.data(), static_cast<std::size_t>(n));
  }
}

// One trip to the pool and back: `f` runs on the pool, the coroutine
// resumes on its own executor (chapter 07's spawn_blocking, in short).
template <class F>
net::awaitable<std::invoke_result_t<F&>> on_pool(net::any_io_executor pool, F f) {
  using R = std::invoke_result_t<F&>;
  std::optional<R> value;
  std::exception_ptr error;
  auto start = [&](auto handler) {
    net::post(pool, [&, handler = std::move(handler)]() mutable {
      try {
        value.emplace(f());
      } catch (...) {
        error = std::current_exception();
      }
      net::dispatch(std::move(handler));
    });
  };
  co_await net::async_initiate<decltype(net::use_awaitable), void()>(start, net::use_awaitable);
  if (error) std::rethrow_exception(error);
  co_return std::move(*value);
}

// ------------------------------------------------------------- methods

net::awaitable<result> blocking(const fs::path& p, std::size_t chunk, net::any_io_executor) {
  co_return read_all_blocking(p, chunk);  // on the io thread, which it holds throughout
}

net::awaitable<result> pool_per_read(const fs::path& p, std::size_t chunk,
                                     net::any_io_executor pool) {
  fd_guard f(p);
  std::vector<char> buf(chunk);
  result r;
  for (;;) {
    auto one_read = [&] { return ::read(f.fd, buf.data(), chunk); };
    const ssize_t n = co_await on_pool(pool, one_read);
    if (n < 0) throw std::runtime_error("read failed");
    if (n == 0) co_return r;
    r.add(buf.data(), static_cast<std::size_t>(n));
  }
}

net::awaitable<result> one_offload(const fs::path& p, std::size_t chunk,
                                   net::any_io_executor pool) {
  auto whole = [&] { return read_all_blocking(p, chunk); };
  co_return co_await on_pool(pool, whole);
}

#if defined(BOOST_ASIO_HAS_IO_URING)
net::awaitable<result> io_uring_read(const fs::path& p, std::size_t chunk,
                                     net::any_io_executor) {
  net::stream_file file(co_await net::this_coro::executor, p.string(),
                        net::stream_file::read_only);
  std::vector<char> buf(chunk);
  result r;
  for (;;) {
    auto [ec, n] = co_await file.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
    r.add(buf.data(), n);
    if (ec == net::error::eof) co_return r;
    if (ec) throw boost::system::system_error(ec);
  }
}
#endif

// Whether io_uring can be used here, and if not, why: this build may lack
// liburing, the kernel may refuse io_uring (a container's seccomp profile,
// kernel.io_uring_disabled), or --no-io-uring asked to pretend so. Asks
// the kernel by opening a stream_file: its constructor throws where
// io_uring is refused. The demo then leaves the row out; nothing crashes.
struct availability {
  bool ok = false;
  std::string reason;
};

availability probe_io_uring([[maybe_unused]] const fs::path& p, bool turned_off) {
#if defined(BOOST_ASIO_HAS_IO_URING)
  try {
    // --no-io-uring plays a kernel that refuses: the same exception, at
    // the same place, so the fallback below is the one that would run.
    if (turned_off)
      throw boost::system::system_error(boost::system::error_code(EPERM, boost::system::system_category()),
                                        "io_uring_queue_init (refused by --no-io-uring)");
    net::io_context ctx;
    net::stream_file file(ctx, p.string(), net::stream_file::read_only);
    char byte;
    std::size_t n = file.read_some(net::buffer(&byte, 1));
    if (n != 1) return {false, "a first read returned nothing"};
    return {true, ""};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
#else
  (void)turned_off;
  return {false, "this build has no liburing: BOOST_ASIO_HAS_IO_URING is not defined"};
#endif
}

using method_fn = net::awaitable<result> (*)(const fs::path&, std::size_t, net::any_io_executor);

struct method {
  const char* name;
  method_fn run;
};

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("read_methods",
                      "Read a big file four ways (blocking, a pool hop per read, one offload, "
                      "io_uring) at three chunk sizes: MB/s.");
  int mib = 64, runs = 3;
  bool no_io_uring = false;
  cli.option("--mib", mib, "size of the temporary file, MiB", 1, 4096)
      .option("--runs", runs, "runs per cell; the best one is shown", 1, 20)
      .flag("--no-io-uring", no_io_uring, "behave as if the kernel refused io_uring");
  cli.offer_timeline();
  cli.parse(argc, argv);
  if (cli.smoke()) {
    mib = 2;
    runs = 1;
  }

  lunch::timeline tl;
  // An exception (a deadline, a full disk) is caught here, so that the
  // temporary file's destructor runs: an uncaught one would skip it.
  try {
    const std::size_t bytes = static_cast<std::size_t>(mib) << 20;
    temp_file file(bytes);  // removed at the end of this block, before show()
    const availability uring = probe_io_uring(file.path, no_io_uring);

    std::vector<method> methods = {
        {"blocking", &blocking},
        {"pool per read", &pool_per_read},
        {"one offload", &one_offload},
    };
#if defined(BOOST_ASIO_HAS_IO_URING)
    if (uring.ok) methods.push_back({"io_uring", &io_uring_read});
#endif

    utsname u{};
    ::uname(&u);
    std::printf("Reading a %d MiB file (in the page cache), best of %d run(s); %u cores, kernel %s.\n",
                mib, runs, std::thread::hardware_concurrency(), u.release);
    if (uring.ok)
      std::printf("io_uring: available (Asio's stream_file)\n\n");
    else
      std::printf("io_uring: unavailable here (%s)\n\n", uring.reason.c_str());

    const std::size_t chunks[] = {4 << 10, 64 << 10, 1 << 20};
    std::printf("  %-15s %12s %12s %12s\n", "MB/s", "4 KiB", "64 KiB", "1 MiB");
    net::thread_pool pool(2);
    for (const method& m : methods) {
      std::printf("  %-15s", m.name);
      for (std::size_t chunk : chunks) {
        double best_ms = 1e300;
        for (int run = 0; run < runs; ++run) {
          const std::string cell = std::string(m.name) + " " + std::to_string(chunk >> 10) + " KiB";
          lunch::stopwatch sw;
          result r;
          {
            auto span = tl.span(cell, m.name);
            r = lunch::run(m.run(file.path, chunk, pool.get_executor()),
                           {.deadline = 60s, .what = cell});
          }
          best_ms = std::min(best_ms, sw.ms());
          if (r.bytes != bytes) {
            std::fprintf(stderr, "%s read %llu bytes of %zu\n", cell.c_str(),
                         static_cast<unsigned long long>(r.bytes), bytes);
            return 1;
          }
        }
        std::printf(" %12.0f", double(bytes) / 1e6 / (best_ms / 1e3));
        std::fflush(stdout);
      }
      std::printf("\n");
    }
    std::printf(
        "\nA trip to the pool and back costs microseconds; a read of 4 KiB from the page\n"
        "cache costs about one. Paid per read, the trips dominate; paid once per file\n"
        "(one offload), or per 1 MiB, they vanish. io_uring skips the trip: the kernel\n"
        "reads and the io thread only collects. Blocking is fast, and holds the io thread.\n");
    pool.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo read_methods: %s\n", e.what());
    return 1;
  }
  lunch::show(cli, tl);
}
