// The half of test_disk_usage.cpp that does not depend on the exercise: the
// trees the tests walk, with the total du -sb would give, and the watch that
// counts the calls of read_dir. It is compiled once, with the course.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace disk_usage_harness {

namespace net = boost::asio;
namespace fs = std::filesystem;

// pool.get_executor() as an any_io_executor. The conversion compiles Asio's
// type-erased executor for the pool's executor type, about half a second:
// here it is compiled once, not on each check.
net::any_io_executor executor_of(net::thread_pool& pool);

// lstat's size of p (a link's own size, not its target's).
std::uintmax_t lstat_size(const fs::path& p);

// Writes `content` as the whole of file p (created, or truncated).
void write_file(const fs::path& p, const std::string& content);

// A tree made for one test, removed on every way out of it.
struct tree {
  fs::path root, outside;
  std::uintmax_t expected = 0;      // du -sb of root, from what was made
  std::uintmax_t big_file = 0;      // the file outside, reached by a link
  std::uintmax_t linked_dir = 0;    // what the linked directory holds
  std::vector<fs::path> counted;    // every entry counted in `expected`

  explicit tree(const std::string& name);
  ~tree();

  // Each creates an entry and counts it.
  void file(const fs::path& p, std::size_t size);
  void dir(const fs::path& p);
  void link(const fs::path& target, const fs::path& p);
  // Call once the tree is complete: directory sizes grow as entries are added.
  void total_up();
};

// `dirs` directories under root, each with `sub` subdirectories holding
// `files` files of assorted sizes; plus the three links (to a 1 MiB file
// outside the tree, to directory d0, to nothing) and a top file.
void populate(tree& t, int dirs, int sub, int files);

// What the wrapper around read_directory saw. The test's wrapper calls
// enter(dir) before read_directory and leave() after it.
struct watch {
  std::thread::id io_thread;
  net::thread_pool* pool = nullptr;
  std::atomic<int> calls = 0, in_flight = 0, peak = 0, on_io_thread = 0, off_pool = 0;
  std::function<void(const fs::path&, int)> before;  // per call: the path and its number

  void enter(const fs::path& dir);
  void leave();
};

// The total found against the tree's, with the likely cause of a
// difference (a link followed, a size missing).
std::string explain(std::uintmax_t got, const tree& t);

}  // namespace disk_usage_harness
