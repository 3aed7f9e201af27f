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
  // TODO: the directory's own size, then each entry: a directory goes to
  //       `subdirs`, anything else adds its own size to `bytes`. Never
  //       follow a link; a failure is a line in `errors`, not an exception.
  return lunch::todo<dir_listing>("read_directory: list one directory, its size and its entries' sizes");
}

template <class ReadDir = dir_listing (*)(const fs::path&)>
net::awaitable<usage> disk_usage(net::any_io_executor pool, fs::path root,
                                 std::size_t max_in_flight, ReadDir read_dir = &read_directory) {
  // TODO: read `root` and every directory found under it with read_dir,
  //       on `pool`, at most max_in_flight at a time; add up what they
  //       report. The io thread only hands out work and collects results.
  co_return lunch::todo<usage>("disk_usage: walk the tree with read_dir on the pool, at most max_in_flight at once");
}
