// Demo 08/du: a `du -sb` clone, three ways, against GNU du.
//
// A tree of --dirs directories holding --files files each is generated in
// a temporary folder, then measured:
//   blocking         one std::filesystem walk on the io thread
//   pool per call    every system call its own trip to a thread pool: list
//                    a directory, then lstat each entry, one await each, as
//                    a clone written with tokio::fs does (tokio issue #3664)
//   pool per dir     one trip per directory (list it and lstat everything
//                    in it), at most 4 directories at once: the exercise
//                    disk_usage's way
//   GNU du -sb       the real thing, as a child process
// All must report the same number of bytes; the last column is the time
// relative to GNU du's. There is no io_uring line: Asio's io_uring support
// (Boost 1.81, and still 1.89) covers reading and writing open files, not
// listing directories or stat().
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"

namespace net = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

char tree_for_signals[4096];

extern "C" void remove_tree_and_exit(int sig) {
  // remove_all is not async-signal-safe; a child `rm -rf` is not either.
  // Good enough for a demo: the tree is only files we made.
  std::error_code ec;
  if (tree_for_signals[0]) fs::remove_all(tree_for_signals, ec);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// The generated tree, removed however the demo ends.
struct temp_tree {
  fs::path root;
  std::size_t files = 0, dirs = 0;
  temp_tree(int n_dirs, int files_per_dir) {
    root = fs::temp_directory_path() / ("lunch-08-du-" + std::to_string(::getpid()));
    std::snprintf(tree_for_signals, sizeof tree_for_signals, "%s", root.c_str());
    std::signal(SIGINT, remove_tree_and_exit);
    std::signal(SIGTERM, remove_tree_and_exit);
    std::signal(SIGHUP, remove_tree_and_exit);
    std::signal(SIGPIPE, remove_tree_and_exit);  // `demo | head` closes our stdout early
    fs::remove_all(root);
    fs::create_directory(root);
    ++dirs;
    for (int d = 0; d < n_dirs; ++d) {
      // Two levels: a tenth of the directories hold the others.
      const fs::path dp = root / ("group" + std::to_string(d % std::max(1, n_dirs / 10))) /
                          ("dir" + std::to_string(d));
      if (!fs::exists(dp.parent_path())) {
        fs::create_directory(dp.parent_path());
        ++dirs;
      }
      fs::create_directory(dp);
      ++dirs;
      for (int f = 0; f < files_per_dir; ++f) {
        std::ofstream(dp / ("file" + std::to_string(f)), std::ios::binary)
            << std::string(static_cast<std::size_t>((d * 7919 + f * 104729) % 20000), 'x');
        ++files;
      }
      if (d % 50 == 0) fs::create_symlink("..", dp / "up");  // not to be followed
    }
  }
  ~temp_tree() {
    std::error_code ec;
    fs::remove_all(root, ec);
    tree_for_signals[0] = '\0';
  }
};

std::uintmax_t lstat_size(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? static_cast<std::uintmax_t>(st.st_size) : 0;
}

bool is_real_dir(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() == fs::file_type::directory;
}

// One directory's own size plus its non-directory entries'; its subdirectories.
struct listing {
  std::uintmax_t bytes = 0;
  std::vector<fs::path> subdirs;
};

listing read_directory(const fs::path& dir) {
  listing l;
  l.bytes = lstat_size(dir);
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_real_dir(it->path())) l.subdirs.push_back(it->path());
    else l.bytes += lstat_size(it->path());
  }
  return l;
}

std::vector<fs::path> names_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    out.push_back(it->path());
  return out;
}

struct kind_and_size {
  bool dir = false;
  std::uintmax_t size = 0;
};

kind_and_size lstat_entry(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return {};
  return {S_ISDIR(st.st_mode), static_cast<std::uintmax_t>(st.st_size)};
}

// One trip to the pool and back (chapter 07's spawn_blocking, in short).
template <class F>
net::awaitable<std::invoke_result_t<F&>> on_pool(net::any_io_executor pool, F f) {
  std::optional<std::invoke_result_t<F&>> value;
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

net::awaitable<std::uintmax_t> blocking(fs::path root, net::any_io_executor) {
  std::uintmax_t total = 0;
  std::vector<fs::path> todo{root};
  while (!todo.empty()) {
    const fs::path dir = std::move(todo.back());
    todo.pop_back();
    listing l = read_directory(dir);
    total += l.bytes;
    for (auto& d : l.subdirs) todo.push_back(std::move(d));
  }
  co_return total;
}

net::awaitable<std::uintmax_t> pool_per_call(fs::path root, net::any_io_executor pool) {
  std::uintmax_t total = 0;
  auto root_stat = [&root] { return lstat_entry(root); };
  total += (co_await on_pool(pool, root_stat)).size;
  std::vector<fs::path> todo{root};
  while (!todo.empty()) {
    const fs::path dir = std::move(todo.back());
    todo.pop_back();
    auto list = [&dir] { return names_in(dir); };
    const std::vector<fs::path> names = co_await on_pool(pool, list);
    for (const fs::path& p : names) {
      auto one = [&p] { return lstat_entry(p); };
      const kind_and_size k = co_await on_pool(pool, one);
      total += k.size;
      if (k.dir) todo.push_back(p);
    }
  }
  co_return total;
}

// The exercise disk_usage's shape: at most `limit` directory reads on the
// pool at once; results come home through a channel on the io thread.
net::awaitable<std::uintmax_t> pool_per_dir(fs::path root, net::any_io_executor pool) {
  constexpr std::size_t limit = 4;
  auto io = co_await net::this_coro::executor;
  net::experimental::channel<void(boost::system::error_code, listing)> done(io, limit);
  std::deque<fs::path> todo{std::move(root)};
  std::size_t in_flight = 0;
  std::uintmax_t total = 0;
  while (!todo.empty() || in_flight > 0) {
    while (in_flight < limit && !todo.empty()) {
      ++in_flight;
      net::post(pool, [&done, io, dir = std::move(todo.front())] {
        net::post(io, [&done, l = read_directory(dir)]() mutable {
          done.try_send(boost::system::error_code{}, std::move(l));
        });
      });
      todo.pop_front();
    }
    listing l = co_await done.async_receive(net::use_awaitable);
    --in_flight;
    total += l.bytes;
    for (auto& d : l.subdirs) todo.push_back(std::move(d));
  }
  co_return total;
}

// GNU du -sb, as a child process: its total, or nothing if it cannot run.
std::optional<std::uintmax_t> gnu_du(const fs::path& root) {
  const std::string cmd = "du -sb '" + root.string() + "' 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  unsigned long long n = 0;
  const int got = std::fscanf(p, "%llu", &n);
  if (::pclose(p) != 0 || got != 1) return std::nullopt;
  return n;
}

// The directories' own sizes under root, root's included: lstat's st_size,
// which the clone counts (as GNU du did up to Debian 12's 9.1; Debian 13's
// du 9.7 leaves directories out of -b).
std::uintmax_t directories_bytes(const fs::path& root) {
  std::uintmax_t total = 0;
  struct stat st {};
  if (::lstat(root.c_str(), &st) == 0) total += static_cast<std::uintmax_t>(st.st_size);
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_directory() && !e.is_symlink() && ::lstat(e.path().c_str(), &st) == 0)
      total += static_cast<std::uintmax_t>(st.st_size);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("du", "A du -sb clone three ways (blocking, a pool trip per call, "
                            "a pool trip per directory) against GNU du.");
  int dirs = 500, files = 10, runs = 3;
  cli.option("--dirs", dirs, "directories in the generated tree", 1, 100'000)
      .option("--files", files, "files in each directory", 0, 10'000)
      .option("--runs", runs, "runs per method; the best one is shown", 1, 20);
  cli.parse(argc, argv);
  if (cli.smoke()) {
    dirs = 20;
    files = 5;
    runs = 1;
  }

  // An exception (a deadline, a full disk) is caught below, so that the
  // tree's destructor runs: an uncaught one would skip it.
  try {
    temp_tree tree(dirs, files);
    std::printf("A generated tree: %zu files in %zu directories; best of %d run(s), 2 pool threads.\n\n",
                tree.files, tree.dirs, runs);

    // GNU du first: it sets the reference for the bytes and the time. Its
    // time includes starting a process, measured apart on an empty folder
    // and taken off before comparing.
    double du_ms = 0, start_ms = 0;
    std::optional<std::uintmax_t> du_bytes, du_empty;
    const fs::path empty = tree.root / "group0" / "empty";
    fs::create_directory(empty);
    for (int r = 0; r < runs; ++r) {
      lunch::stopwatch sw;
      du_bytes = gnu_du(tree.root);
      const double ms = sw.ms();
      du_ms = r == 0 ? ms : std::min(du_ms, ms);
      lunch::stopwatch sw0;
      du_empty = gnu_du(empty);
      start_ms = r == 0 ? sw0.ms() : std::min(start_ms, sw0.ms());
    }
    // An empty directory that du counts as 0 bytes: this du leaves the
    // directories' own sizes out, so they are added back to its total.
    struct stat empty_st {};
    const bool du_skips_dirs =
        du_empty && *du_empty == 0 && ::lstat(empty.c_str(), &empty_st) == 0 && empty_st.st_size != 0;
    const std::uintmax_t du_reported = du_bytes.value_or(0);
    if (du_bytes && du_skips_dirs) *du_bytes += directories_bytes(tree.root);
    // What du itself spent walking: at least 0.1 ms, to keep the ratio finite.
    const double du_walk_ms = std::max(0.1, du_ms - start_ms);

    std::printf("  %-15s %12s %6s %10s %8s\n", "method", "bytes", "= du", "time", "vs du");
    if (du_bytes)
      std::printf("  %-15s %12llu %6s %7.1f ms %8s   (%.1f ms starting du, %.1f ms walking)\n",
                  "GNU du -sb", static_cast<unsigned long long>(*du_bytes), "", du_ms, "",
                  du_ms - du_walk_ms, du_walk_ms);
    else
      std::printf("  %-15s  (du is not installed here: no reference)\n", "GNU du -sb");
    if (du_bytes && du_skips_dirs)
      std::printf("  %-15s  (this du leaves directories out: it said %llu; their own sizes added)\n",
                  "", static_cast<unsigned long long>(du_reported));

    using method_fn = net::awaitable<std::uintmax_t> (*)(fs::path, net::any_io_executor);
    const std::pair<const char*, method_fn> methods[] = {
        {"blocking", &blocking}, {"pool per call", &pool_per_call}, {"pool per dir", &pool_per_dir}};
    net::thread_pool pool(2);
    bool all_same = true;
    for (const auto& [name, fn] : methods) {
      double best = 0;
      std::uintmax_t got = 0;
      for (int r = 0; r < runs; ++r) {
        lunch::stopwatch sw;
        got = lunch::run(fn(tree.root, pool.get_executor()), {.deadline = 60s, .what = name});
        best = r == 0 ? sw.ms() : std::min(best, sw.ms());
      }
      const bool same = du_bytes && got == *du_bytes;
      all_same = all_same && (same || !du_bytes);
      std::printf("  %-15s %12llu %6s %7.1f ms", name, static_cast<unsigned long long>(got),
                  du_bytes ? (same ? "yes" : "NO") : "?", best);
      if (du_bytes) std::printf(" %7.1fx", best / du_walk_ms);
      std::printf("\n");
    }
    pool.join();
    std::printf(
        "\n\"vs du\" compares with du's walk alone (its time less the start of a process).\n"
        "A trip to the pool per system call costs more than the call itself; one trip\n"
        "per directory batches the calls, and several directories at once use the\n"
        "pool's threads. Blocking is quick too, and holds the io thread all along.\n");
    return all_same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo du: %s\n", e.what());
    return 1;
  }
}
