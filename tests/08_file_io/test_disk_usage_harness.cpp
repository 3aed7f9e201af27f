// See test_disk_usage_harness.hpp.
#include "test_disk_usage_harness.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <system_error>

namespace disk_usage_harness {

net::any_io_executor executor_of(net::thread_pool& pool) { return pool.get_executor(); }

std::uintmax_t lstat_size(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return static_cast<std::uintmax_t>(st.st_size);
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

tree::tree(const std::string& name) {
  const auto base = fs::temp_directory_path() /
                    ("lunch-08-du-" + std::to_string(::getpid()) + "-" + name);
  root = base / "root";
  outside = base / "outside";
  fs::remove_all(base);
  fs::create_directories(root);
  fs::create_directories(outside);
}

tree::~tree() {
  std::error_code ec;
  for (const auto& p : fs::recursive_directory_iterator(
           root.parent_path(), fs::directory_options::skip_permission_denied, ec))
    if (p.is_directory(ec) && !p.is_symlink(ec))
      fs::permissions(p.path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::permissions(root / "locked", fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(root.parent_path(), ec);
}

void tree::file(const fs::path& p, std::size_t size) {
  std::ofstream(p, std::ios::binary) << std::string(size, 'x');
  counted.push_back(p);
}

void tree::dir(const fs::path& p) {
  fs::create_directory(p);
  counted.push_back(p);
}

void tree::link(const fs::path& target, const fs::path& p) {
  fs::create_symlink(target, p);
  counted.push_back(p);
}

void tree::total_up() {
  expected = 0;
  for (const auto& p : counted) expected += lstat_size(p);
}

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

void watch::enter(const fs::path& dir) {
  const int n = ++calls;
  if (std::this_thread::get_id() == io_thread) ++on_io_thread;
  if (!pool->get_executor().running_in_this_thread()) ++off_pool;
  const int now = ++in_flight;
  int p = peak.load();
  while (now > p && !peak.compare_exchange_weak(p, now)) {
  }
  if (before) before(dir, n);
}

void watch::leave() { --in_flight; }

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

}  // namespace disk_usage_harness
