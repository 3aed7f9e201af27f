// Tests for exercises/08_file_io/disk_usage.hpp
//
// Each test builds a small tree in a temporary folder and works out the
// expected total from what it created: lstat's size of each directory,
// file and symbolic link (as `du -sb` counts them), never by running du.
// The tree holds the traps: a link to a 1 MiB file outside the tree, a link
// to a directory inside it, a dangling link. read_dir is wrapped, so the
// tests see every call: on which thread it runs, how many run at once.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "disk_usage.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"

using namespace std::chrono_literals;

namespace {

std::uintmax_t lstat_size(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return static_cast<std::uintmax_t>(st.st_size);
}

// A tree made for one test, removed on every way out of it.
struct tree {
  fs::path root, outside;
  std::uintmax_t expected = 0;      // du -sb of root, from what was made
  std::uintmax_t big_file = 0;      // the file outside, reached by a link
  std::uintmax_t linked_dir = 0;    // what the linked directory holds
  std::vector<fs::path> counted;    // every entry counted in `expected`

  explicit tree(const std::string& name) {
    const auto base = fs::temp_directory_path() /
                      ("lunch-08-du-" + std::to_string(::getpid()) + "-" + name);
    root = base / "root";
    outside = base / "outside";
    fs::remove_all(base);
    fs::create_directories(root);
    fs::create_directories(outside);
  }
  ~tree() {
    std::error_code ec;
    for (const auto& p : fs::recursive_directory_iterator(
             root.parent_path(), fs::directory_options::skip_permission_denied, ec))
      if (p.is_directory(ec) && !p.is_symlink(ec))
        fs::permissions(p.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::permissions(root / "locked", fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root.parent_path(), ec);
  }

  void file(const fs::path& p, std::size_t size) {
    std::ofstream(p, std::ios::binary) << std::string(size, 'x');
    counted.push_back(p);
  }
  void dir(const fs::path& p) {
    fs::create_directory(p);
    counted.push_back(p);
  }
  void link(const fs::path& target, const fs::path& p) {
    fs::create_symlink(target, p);
    counted.push_back(p);
  }
  // Call once the tree is complete: directory sizes grow as entries are added.
  void total_up() {
    expected = 0;
    for (const auto& p : counted) expected += lstat_size(p);
  }
};

// `dirs` directories under root, each with `sub` subdirectories holding
// `files` files of assorted sizes; plus the three links and a top file.
void populate(tree& t, int dirs, int sub, int files) {
  t.counted.push_back(t.root);
  t.file(t.root / "top.txt", 1234);
  for (int d = 0; d < dirs; ++d) {
    const auto dp = t.root / ("d" + std::to_string(d));
    t.dir(dp);
    t.file(dp / "readme", 100 + 7 * static_cast<std::size_t>(d));
    for (int s = 0; s < sub; ++s) {
      const auto sp = dp / ("s" + std::to_string(s));
      t.dir(sp);
      for (int f = 0; f < files; ++f)
        t.file(sp / ("f" + std::to_string(f)), static_cast<std::size_t>((d * 131 + s * 17 + f * 3) % 997));
    }
  }
  // A 1 MiB file outside the tree, reached through a link: du counts the
  // link (the length of the path it holds), not the file.
  std::ofstream(t.outside / "big", std::ios::binary) << std::string(1 << 20, 'b');
  t.big_file = 1 << 20;
  t.link(t.outside / "big", t.root / "link_to_big");
  // A link to a directory of the tree: followed, d0 would count twice.
  t.link("d0", t.root / "link_to_d0");
  t.linked_dir = 0;
  for (const auto& p : t.counted)
    if (p.string().rfind((t.root / "d0").string() + "/", 0) == 0 || p == t.root / "d0")
      t.linked_dir += lstat_size(p);
  // A link to nothing: lstat works on it, stat would fail.
  t.link("no-such-file", t.root / "dangling");
}

// What the wrapper around read_directory saw.
struct watch {
  std::thread::id io_thread;
  net::thread_pool* pool = nullptr;
  std::atomic<int> calls = 0, in_flight = 0, peak = 0, on_io_thread = 0, off_pool = 0;
  std::function<void(const fs::path&, int)> before;  // per call: the path and its number

  dir_listing call(const fs::path& dir) {
    const int n = ++calls;
    if (std::this_thread::get_id() == io_thread) ++on_io_thread;
    if (!pool->get_executor().running_in_this_thread()) ++off_pool;
    const int now = ++in_flight;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    if (before) before(dir, n);
    dir_listing l = read_directory(dir);
    --in_flight;
    return l;
  }
};

using read_fn = std::function<dir_listing(const fs::path&)>;

struct walk_result {
  usage u;
  bool resumed_on_caller_thread = false;
};

net::awaitable<walk_result> walk(net::any_io_executor pool, fs::path root, std::size_t k,
                                 read_fn read) {
  // The event loop's reactor is started first (a zero-length nap), so its
  // idle thread sleeps in epoll rather than on a condition variable: a pool
  // thread that wakes it just before the loop is destroyed otherwise looks
  // to ThreadSanitizer like a race with the destruction (as in chapter 07).
  co_await lunch::nap(std::chrono::milliseconds(0));
  const auto before = std::this_thread::get_id();
  walk_result r;
  lunch::pending p("disk_usage of " + root.string());
  r.u = co_await disk_usage(pool, root, k, read);
  r.resumed_on_caller_thread = std::this_thread::get_id() == before;
  co_return r;
}

walk_result run_walk(watch& w, net::thread_pool& pool, const fs::path& root, std::size_t k,
                     const char* what) {
  w.pool = &pool;
  w.io_thread = std::this_thread::get_id();
  read_fn read = [&w](const fs::path& dir) { return w.call(dir); };
  return lunch::run(walk(pool.get_executor(), root, k, read), {.deadline = 5s, .what = what});
}

std::string explain(std::uintmax_t got, const tree& t) {
  std::string s = "total " + std::to_string(got) + " bytes, expected " +
                  std::to_string(t.expected) + " (du -sb's count)";
  const auto diff = static_cast<long long>(got) - static_cast<long long>(t.expected);
  if (diff == static_cast<long long>(t.big_file) - static_cast<long long>(lstat_size(t.root / "link_to_big")))
    s += ": the link to the 1 MiB file was followed (fs::file_size follows links; lstat does not)";
  else if (diff == static_cast<long long>(t.linked_dir) - static_cast<long long>(lstat_size(t.root / "link_to_d0")))
    s += ": the link to directory d0 was followed, and d0 counted twice";
  else if (diff == static_cast<long long>(t.linked_dir) - static_cast<long long>(lstat_size(t.root / "d0")))
    s += ": the link to directory d0 was read as a directory (is_directory and status follow links)";
  else if (diff < 0)
    s += ": something is missing (the directories' own sizes? the links'? the root's?)";
  return s;
}

}  // namespace

TEST_SUITE("disk_usage") {

TEST_CASE("the total is du -sb's: directories, files and links by their own size, links not followed") {
  tree t("total");
  populate(t, 6, 3, 4);
  t.total_up();
  net::thread_pool pool(4);
  watch w;
  auto r = run_walk(w, pool, t.root, 3, "disk_usage of a tree of 100 entries");
  CHECK_MESSAGE(r.u.bytes == t.expected, explain(r.u.bytes, t));
  CHECK_MESSAGE(r.u.errors.empty(), "a readable tree gave " << r.u.errors.size()
                << " errors, the first: " << (r.u.errors.empty() ? "" : r.u.errors.front())
                << " (a dangling link is an entry like any other: lstat it, do not follow it)");
  CHECK_MESSAGE(w.calls == 1 + 6 + 6 * 3,
                "read_dir was called " << w.calls.load() << " times for the 25 directories of the tree "
                "(once each: the root, d0..d5, their s0..s2)");
}

TEST_CASE("every read runs on the pool, never on the io thread, and disk_usage resumes on its caller's") {
  tree t("threads");
  populate(t, 4, 2, 2);
  t.total_up();
  net::thread_pool pool(4);
  watch w;
  auto r = run_walk(w, pool, t.root, 2, "disk_usage, watching threads");
  CHECK_MESSAGE(w.on_io_thread == 0, w.on_io_thread.load() << " of " << w.calls.load()
                << " calls of read_dir ran on the io thread, which they block: post them to the pool");
  CHECK_MESSAGE(w.off_pool == 0, w.off_pool.load() << " of " << w.calls.load()
                << " calls of read_dir ran on no thread of the pool given to disk_usage");
  CHECK_MESSAGE(r.resumed_on_caller_thread,
                "after co_await disk_usage(...) the caller was on another thread: results must "
                "come back to the caller's executor");
  CHECK_MESSAGE(r.u.bytes == t.expected, explain(r.u.bytes, t));
}

TEST_CASE("never more than max_in_flight reads at once, and that many when directories wait") {
  tree t("limit");
  populate(t, 8, 2, 1);  // after the root: 8 directories waiting at once
  t.total_up();
  net::thread_pool pool(8);  // more threads than the limit: the pool does not limit
  watch w;
  constexpr int k = 3;
  // Calls 2 to k+1 (the first k after the root) wait for each other: if
  // they are handed out together they meet at once; handed out one at a
  // time, each waits 300 ms alone and the peak stays 1. Every call after
  // the root then takes 10 ms, so that calls handed out beyond the limit
  // are seen running beside the others.
  lunch::rendezvous meet(k);
  w.before = [&meet](const fs::path&, int n) {
    if (n >= 2 && n <= k + 1) meet.arrive_and_wait(300ms);
    if (n >= 2) std::this_thread::sleep_for(10ms);
  };
  auto r = run_walk(w, pool, t.root, k, "disk_usage with a limit of 3");
  CHECK_MESSAGE(w.peak <= k, "up to " << w.peak.load() << " calls of read_dir ran at once; the limit was "
                << k << " (a net::thread_pool queues without bound: do not hand it every directory)");
  CHECK_MESSAGE(w.peak >= k, "at most " << w.peak.load() << " calls of read_dir ran at once, while 8 "
                "directories waited and the limit was " << k << ": the limit must be used, "
                "not only respected");
  CHECK_MESSAGE(r.u.bytes == t.expected, explain(r.u.bytes, t));
}

TEST_CASE("an entry that cannot be read is reported, and the walk goes on") {
  tree t("errors");
  populate(t, 3, 2, 2);
  // Two directories are listed by their parent and changed just before
  // they are read, as if someone else were busy in the tree: "vanished" is
  // removed (lstat fails), "doomed" is replaced by an empty file (lstat
  // works, listing it fails). Neither what they held nor their size counts.
  for (const char* name : {"vanished", "doomed"}) {
    fs::create_directory(t.root / name);
    std::ofstream(t.root / name / "inside", std::ios::binary) << std::string(5000, 'd');
  }
  const bool root_user = ::geteuid() == 0;
  if (!root_user) {
    // Not readable: its own size counts (lstat works), what it holds cannot.
    t.dir(t.root / "locked");
    std::ofstream(t.root / "locked" / "secret", std::ios::binary) << std::string(777, 's');
    fs::permissions(t.root / "locked", fs::perms::none);
  } else {
    MESSAGE("running as root, for whom no directory is unreadable: only the directories "
            "changed during the walk are checked as errors");
  }
  t.total_up();
  net::thread_pool pool(4);
  watch w;
  w.before = [](const fs::path& dir, int) {
    if (dir.filename() == "vanished") fs::remove_all(dir);
    if (dir.filename() == "doomed") {
      fs::remove_all(dir);
      std::ofstream(dir, std::ios::binary).flush();  // an empty file, 0 bytes
    }
  };
  auto r = run_walk(w, pool, t.root, 2, "disk_usage of a tree with unreadable entries");
  auto mentions = [&r](const std::string& name) {
    return std::any_of(r.u.errors.begin(), r.u.errors.end(),
                       [&](const std::string& e) { return e.find(name) != std::string::npos; });
  };
  CHECK_MESSAGE(mentions("vanished"), "the directory removed during the walk is not in the "
                "errors; errors: " << r.u.errors.size());
  CHECK_MESSAGE(mentions("doomed"), "the directory replaced by a file during the walk (it "
                "cannot be listed) is not in the errors; errors: " << r.u.errors.size());
  if (!root_user)
    CHECK_MESSAGE(mentions("locked"), "the unreadable directory is not in the errors");
  CHECK_MESSAGE(r.u.errors.size() == (root_user ? 2u : 3u),
                "expected " << (root_user ? 2 : 3) << " errors, got " << r.u.errors.size()
                << (r.u.errors.empty() ? "" : ", the first: " + r.u.errors.front()));
  CHECK_MESSAGE(r.u.bytes == t.expected, "with unreadable entries, the rest must still count: "
                << explain(r.u.bytes, t));
}

TEST_CASE("a tree of 300 files in 109 directories, with limits 1 and 4") {
  tree t("scale");
  populate(t, 12, 8, 3);
  t.total_up();
  net::thread_pool pool(4);
  for (std::size_t k : {1u, 4u}) {
    watch w;
    auto r = run_walk(w, pool, t.root, k, "disk_usage of 300 files");
    CHECK_MESSAGE(r.u.bytes == t.expected, "limit " << k << ": " << explain(r.u.bytes, t));
    CHECK_MESSAGE(w.peak <= static_cast<int>(k), "limit " << k << ": " << w.peak.load() << " reads at once");
    CHECK_MESSAGE(w.calls == 1 + 12 + 12 * 8, "limit " << k << ": read_dir called "
                  << w.calls.load() << " times for 109 directories");
  }
}

}  // TEST_SUITE
