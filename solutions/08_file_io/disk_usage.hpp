// Exercise 08_file_io/disk_usage
//
// A clone of `du -sb DIR`: the total apparent size (lstat's st_size) of DIR
// and everything under it. Every step of it is a blocking system call:
// there is no "ready" notification for files and directories, so an
// asynchronous program hands such calls to a pool of threads (Tokio's
// `tokio::fs` does exactly that, one call at a time). The talk's caveat:
// one hop to the pool per call costs more than the call itself. So here
// the blocking work is batched: one trip to the pool reads a whole
// directory, its entries and their sizes.
//
// Write both halves:
//   - `read_directory(dir)`, the blocking half, which runs on the pool;
//   - `disk_usage(pool, root, max_in_flight, read_dir)`, the asynchronous
//     half: walk the tree with at most `max_in_flight` calls of `read_dir`
//     running at once, the io thread never calling the file system itself.
//
// Four facts:
//   1. `du -sb` adds up the size of every entry: files, symbolic links
//      (the length of the path they hold) and the directories themselves.
//      (So does GNU du 9.1, Debian 12's. Debian 13's du 9.7 leaves the
//      directories out; this clone counts them, as the older du does.)
//   2. `std::filesystem::symlink_status(p, ec)` describes a link itself;
//      `status(p)` and `is_directory(p)` follow it. Following links counts
//      files twice, or loops forever.
//   3. The `std::error_code` overloads of std::filesystem report a failure
//      instead of throwing. A directory that vanished mid-walk, or that you
//      may not read, is an error to report, not a reason to stop.
//   4. `net::post(pool, f)` runs f on the pool; a result comes back to the
//      io thread with a post to its executor (chapter 07).
//
// Done when:
//   - the total equals du -sb's: directories, files and symlinks, each by
//     its own size, with symbolic links never followed;
//   - every call of `read_dir` runs on `pool`, never on the io thread, and
//     disk_usage resumes on its caller's executor;
//   - never more than `max_in_flight` calls of `read_dir` run at once, and
//     that many do when there are enough directories waiting;
//   - an entry that cannot be read is named in `errors`, and the walk goes
//     on with the rest.
//
// Pitfall: one trip to the pool per file. It is correct, and it is how an
// async `du` ends up many times slower than a blocking one.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <sys/stat.h>

#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;
namespace fs = std::filesystem;

// What one directory contributes: its own size and that of every entry in
// it that is not a directory; the directories in it, to be read in turn.
struct dir_listing {
  std::uintmax_t bytes = 0;
  std::vector<fs::path> subdirs;
  std::vector<std::string> errors;  // "path: reason"
};

struct usage {
  std::uintmax_t bytes = 0;
  std::vector<std::string> errors;
};

// The size lstat() gives: fs::file_size() follows links and refuses
// directories, so it cannot be used for du's total.
inline std::uintmax_t apparent_size(const fs::path& p, std::error_code& ec) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    ec = std::error_code(errno, std::generic_category());
    return 0;
  }
  ec.clear();
  return static_cast<std::uintmax_t>(st.st_size);
}

// Blocking: call it on a pool thread.
inline dir_listing read_directory(const fs::path& dir) {
  dir_listing out;
  // SOLUTION: error_code overloads everywhere (fact 3): a failure becomes
  // a line in `errors`, never an exception that ends the walk.
  std::error_code ec;
  out.bytes = apparent_size(dir, ec);
  if (ec) {
    out.errors.push_back(dir.string() + ": " + ec.message());
    return out;
  }
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    out.errors.push_back(dir.string() + ": " + ec.message());
    return out;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path p = it->path();
    // SOLUTION: the entry itself, not what a link points to (fact 2). The
    // entry's own symlink_status() uses the type that reading the directory
    // already gave (d_type), where fs::symlink_status(p) would ask the
    // kernel again: one system call per file instead of two.
    const auto type = it->symlink_status(ec).type();
    if (ec) {
      out.errors.push_back(p.string() + ": " + ec.message());
      continue;
    }
    if (type == fs::file_type::directory) {
      out.subdirs.push_back(p);  // counted when it is read
      continue;
    }
    const std::uintmax_t size = apparent_size(p, ec);
    if (ec) out.errors.push_back(p.string() + ": " + ec.message());
    else out.bytes += size;
  }
  if (ec) out.errors.push_back(dir.string() + ": " + ec.message());
  return out;
}

// [slide:disk_usage]
template <class ReadDir = dir_listing (*)(const fs::path&)>
net::awaitable<usage> disk_usage(net::any_io_executor pool, fs::path root,
                                 std::size_t max_in_flight, ReadDir read_dir = &read_directory) {
  auto io = co_await net::this_coro::executor;
  // SOLUTION: listings come home through a channel on the io thread. Its
  // capacity is the limit, so a finished listing never waits to be sent.
  net::experimental::channel<void(boost::system::error_code, dir_listing)> done(io, max_in_flight);
  std::deque<fs::path> to_read{std::move(root)};
  std::size_t in_flight = 0;
  usage total;
  while (!to_read.empty() || in_flight > 0) {
    // SOLUTION: top up to the limit: that many when there is work (used),
    // never more (respected).
    while (in_flight < max_in_flight && !to_read.empty()) {
      ++in_flight;
      net::post(pool, [&done, &read_dir, io, dir = std::move(to_read.front())] {
        dir_listing l;
        try {
          l = read_dir(dir);
        } catch (const std::exception& e) {
          l.errors.push_back(dir.string() + ": " + e.what());
        }
        // SOLUTION: back to the io thread before touching the channel,
        // which is not thread-safe (fact 4).
        net::post(io, [&done, l = std::move(l)]() mutable {
          done.try_send(boost::system::error_code{}, std::move(l));
        });
      });
      to_read.pop_front();
    }
    dir_listing l = co_await done.async_receive(net::use_awaitable);
    --in_flight;
    total.bytes += l.bytes;
    for (auto& d : l.subdirs) to_read.push_back(std::move(d));
    for (auto& e : l.errors) total.errors.push_back(std::move(e));
  }
  co_return total;
}
// [/slide]

// Another way: max_in_flight worker coroutines, each taking the next
// directory from the shared queue and awaiting one read on the pool
// (`co_await co_spawn(pool, ..., use_awaitable)`). The catch is the end:
// a worker that finds the queue empty must not stop while another worker's
// read may still add directories; it waits (a timer used as a condition
// variable) until one does, or until no read is in flight.
