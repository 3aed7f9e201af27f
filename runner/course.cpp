#include "course.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace lunch::runner {
namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "01_futures" -> "01" and "futures".
std::pair<std::string, std::string> chapter_parts(const std::string& ch) {
  const auto us = ch.find('_');
  if (us == std::string::npos) return {ch, ""};
  return {ch.substr(0, us), ch.substr(us + 1)};
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
                         prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

course course::load(const fs::path& root, const fs::path& build) {
  course c;
  c.root = root;
  c.build = build;
  const fs::path manifest = build / "tests" / "lunch-manifest.tsv";
  std::ifstream in(manifest);
  if (!in)
    throw std::runtime_error("cannot read " + manifest.string() +
                             ": the build folder is not configured (run ./lunch)");
  // tests/meson.build names the columns, one "#columns KIND NAMES..." line
  // per kind; every other line is looked up through those names.
  std::map<std::string, std::map<std::string, std::size_t>> columns;
  auto damaged = [&](const std::string& why) {
    return std::runtime_error(manifest.string() + ": " + why +
                              " (reconfigure: rm -r " + build.string() + " && ./lunch)");
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto f = split(line, '\t');
    if (f[0] == "#columns" && f.size() > 2) {
      for (std::size_t i = 2; i < f.size(); ++i) columns[f[1]][f[i]] = i - 1;
      continue;
    }
    if (line[0] == '#') continue;
    const auto cols = columns.find(f[0]);
    if (cols == columns.end()) throw damaged("a line of unknown kind '" + f[0] + "'");
    auto field = [&](const std::string& name) -> const std::string& {
      const auto at = cols->second.find(name);
      if (at == cols->second.end()) throw damaged("no column '" + name + "' for " + f[0]);
      if (at->second >= f.size()) throw damaged("a short line: '" + line + "'");
      return f[at->second];
    };
    if (f[0] == "exercise") {
      c.exercises.push_back({field("chapter"), field("name"), field("file"),
                             field("solution"), field("test"), field("hints"),
                             field("target"), field("binary"),
                             field("threads") == "threads",
                             field("sanitize") == "-" ? "" : field("sanitize"),
                             field("summary")});
    } else if (f[0] == "demo") {
      c.demos.push_back({field("chapter"), field("name"), field("target"),
                         field("binary"), field("headline") == "headline",
                         words(field("tour")), field("summary")});
    } else {
      continue;  // a kind this runner does not know yet
    }
    if (std::find(c.chapters.begin(), c.chapters.end(), field("chapter")) == c.chapters.end())
      c.chapters.push_back(field("chapter"));
  }
  std::sort(c.chapters.begin(), c.chapters.end());
  return c;
}

const exercise* course::find_exercise(const std::string& key) const {
  std::string chapter_key, name = key;
  if (const auto slash = key.find('/'); slash != std::string::npos) {
    chapter_key = key.substr(0, slash);
    name = key.substr(slash + 1);
  }
  const std::string ch = chapter_key.empty() ? "" : find_chapter(chapter_key);
  if (!chapter_key.empty() && ch.empty()) return nullptr;
  for (const auto& e : exercises)
    if (e.name == name && (ch.empty() || e.chapter == ch)) return &e;
  return nullptr;
}

std::string course::find_chapter(const std::string& key) const {
  for (const auto& ch : chapters) {
    const auto [number, topic] = chapter_parts(ch);
    if (key == ch || key == number || key == topic) return ch;
    // "1" for "01"
    if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos &&
        key.size() < 4 && std::stoi(key) == std::stoi(number))
      return ch;
  }
  return "";
}

std::string course::chapter_title(const std::string& ch) const {
  std::ifstream in(root / "chapters" / ch / "README.md");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("# ", 0) == 0) return line.substr(2);
  return ch;
}

std::vector<const demo*> course::demos_of(const std::string& chapter) const {
  std::vector<const demo*> out;
  for (const auto& d : demos)
    if (d.chapter == chapter) out.push_back(&d);
  return out;
}

std::string course::target_path(const std::string& binary) const {
  return fs::path(binary).lexically_relative(build).string();
}

std::vector<std::string> read_hints(const fs::path& hints_md,
                                    const std::string& exercise) {
  std::ifstream in(hints_md);
  std::vector<std::string> hints;
  bool inside = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      inside = line.substr(3) == exercise;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("### ", 0) == 0) {
      hints.emplace_back();
      continue;
    }
    if (!hints.empty()) hints.back() += line + "\n";
  }
  for (auto& h : hints) {
    while (!h.empty() && (h.back() == '\n' || h.back() == ' ')) h.pop_back();
    while (!h.empty() && h.front() == '\n') h.erase(0, 1);
  }
  return hints;
}

std::string closest(const std::string& key, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_d = 4;  // farther than this is no suggestion
  for (const auto& n : names) {
    const auto d = edit_distance(key, n);
    if (d < best_d) {
      best_d = d;
      best = n;
    }
  }
  return best;
}

}  // namespace lunch::runner
