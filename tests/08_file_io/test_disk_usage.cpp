// Tests for exercises/08_file_io/disk_usage.hpp
//
// Each test builds a small tree in a temporary folder and works out the
// expected total from what it created: lstat's size of each directory,
// file and symbolic link (as `du -sb` counts them), never by running du.
// The tree holds the traps: a link to a 1 MiB file outside the tree, a link
// to a directory inside it, a dangling link. read_dir is wrapped, so the
// tests see every call: on which thread it runs, how many run at once. The
// trees, their totals and the watch on read_dir are in
// test_disk_usage_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>

#include "disk_usage.hpp"
#include "lunch/run.hpp"
#include "lunch/testing.hpp"
#include "lunch/watchdog.hpp"
#include "test_disk_usage_harness.hpp"

using namespace std::chrono_literals;
using namespace disk_usage_harness;

namespace {

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
  read_fn read = [&w](const fs::path& dir) {
    w.enter(dir);
    dir_listing l = read_directory(dir);
    w.leave();
    return l;
  };
  return lunch::run(walk(executor_of(pool), root, k, read), {.deadline = 5s, .what = what});
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
    write_file(t.root / name / "inside", std::string(5000, 'd'));
  }
  const bool root_user = ::geteuid() == 0;
  if (!root_user) {
    // Not readable: its own size counts (lstat works), what it holds cannot.
    t.dir(t.root / "locked");
    write_file(t.root / "locked" / "secret", std::string(777, 's'));
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
      write_file(dir, "");  // an empty file, 0 bytes
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
