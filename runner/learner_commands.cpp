// The learner's commands: overview, list, check, hint, solution, reset.
// (watch is in watch.cpp; the presenter's commands in presenter_commands.cpp.)
#include "commands.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <fstream>
#include <iostream>
#include <sstream>

#include "build.hpp"
#include "check.hpp"
#include "process.hpp"
#include "ui.hpp"

namespace lunch::runner {

const exercise* session::next() const {
  for (const auto& e : c.exercises)
    if (p.get(e.name).state != status::solved) return &e;
  return nullptr;
}

const exercise& session::exercise_or_throw(const std::string& key) const {
  if (const exercise* e = c.find_exercise(key)) return *e;
  std::vector<std::string> names;
  for (const auto& e : c.exercises) names.push_back(e.name);
  const std::string near = closest(key, names);
  throw usage_error("no exercise '" + key + "'" +
                    (near.empty() ? "" : "; did you mean '" + near + "'?") +
                    " (./lunch list shows them all)");
}

namespace {

std::string mark(status s) {
  switch (s) {
    case status::solved: return ui::green("solved ");
    case status::failing: return ui::red("failing");
    default: return ui::dim("-      ");
  }
}

void print_next_steps(const session& s) {
  const exercise* n = s.next();
  if (!n) {
    std::printf("Every exercise is solved. Well done! ./lunch demo and ./lunch tour "
                "are still there to play with.\n");
    return;
  }
  std::printf("%s %s (%s): %s\n", ui::bold("Next:").c_str(), n->name.c_str(),
              n->chapter.c_str(), n->summary.c_str());
  std::printf("  read   chapters/%s/README.md\n", n->chapter.c_str());
  std::printf("  edit   %s\n", n->file.c_str());
  std::printf("  check  ./lunch check      (or ./lunch watch: re-checks on every save)\n");
  std::printf("  stuck? ./lunch hint %s\n", n->name.c_str());
}

// After the verdict, never instead of it: progress that could not be saved.
void warn_if_unsaved(const session& s) {
  if (!s.p.save_error().empty())
    std::fprintf(stderr, "lunch: warning: your progress could not be saved (%s)\n",
                 s.p.save_error().c_str());
}

int solved_count(const session& s, const std::string& chapter = "") {
  int n = 0;
  for (const auto& e : s.c.exercises)
    if ((chapter.empty() || e.chapter == chapter) && s.p.get(e.name).state == status::solved) ++n;
  return n;
}

// The exercise as shipped: the version of HEAD, the commit this checkout is
// on. (Not the upstream branch: after a `git fetch`, writing upstream's newer
// version would block the learner's next `git pull`.)
bool shipped_version(const course& c, const exercise& e, std::string* content,
                     std::string* why) {
  const auto r = run_process({"git", "-C", c.root.string(), "show", "HEAD:" + e.file},
                             {.limit = std::chrono::seconds(20)});
  if (r.ok()) {
    *content = r.output;
    return true;
  }
  *why = r.output;
  return false;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& content) {
  const fs::path tmp = p.string() + ".lunch-tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

}  // namespace

int cmd_overview(session& s) {
  const int total = static_cast<int>(s.c.exercises.size());
  std::printf("%s\n", ui::bold("Practical async C++ over lunch").c_str());
  std::printf("  %s exercises solved\n\n", ui::bar(solved_count(s), total).c_str());
  for (const auto& ch : s.c.chapters) {
    int n = 0;
    for (const auto& e : s.c.exercises) n += e.chapter == ch;
    std::printf("  %-15s %s  %s\n", ch.c_str(), ui::bar(solved_count(s, ch), n, 6).c_str(),
                s.c.chapter_title(ch).c_str());
  }
  std::printf("\n");
  print_next_steps(s);
  std::printf("\n%s\n", ui::dim("More: ./lunch list, ./lunch demo 01, ./lunch tour, "
                               "./lunch --help").c_str());
  // The lessons say where a Boost release after 1.81 behaves differently.
  std::printf("%s\n", ui::dim("Built with " LUNCH_TOOLCHAIN ".").c_str());
  return 0;
}

int cmd_list(session& s, bool as_json) {
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : s.c.exercises) {
      const auto p = s.p.get(e.name);
      out.push_back({{"chapter", e.chapter},
                     {"name", e.name},
                     {"exercise_file", e.file},
                     {"solution_file", e.solution},
                     {"test_file", e.test},
                     {"hints_file", e.hints},
                     {"status", to_string(p.state)},
                     {"hints_shown", p.hints_shown},
                     {"summary", e.summary}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::string chapter;
  const exercise* n = s.next();
  for (const auto& e : s.c.exercises) {
    if (e.chapter != chapter) {
      chapter = e.chapter;
      std::printf("%s\n", ui::bold(chapter + "  " + s.c.chapter_title(chapter)).c_str());
    }
    std::printf("  %s  %-22s %s%s\n", mark(s.p.get(e.name).state).c_str(), e.name.c_str(),
                e.summary.c_str(), &e == n ? ui::yellow("  <- next").c_str() : "");
  }
  std::printf("\n  %s solved\n", ui::bar(solved_count(s), static_cast<int>(s.c.exercises.size())).c_str());
  return 0;
}

int report_check(session& s, const exercise& e) {
  std::printf("Checking %s (%s)...\n", ui::bold(e.name).c_str(), e.file.c_str());
  std::fflush(stdout);
  const verdict v = check(s.c, e);
  if (v.result != outcome::broken) s.p.record_check(e.name, v.result == outcome::passed);
  if (v.result == outcome::passed) {
    std::printf("%s %s  %s\n", ui::green("PASS").c_str(), v.headline.c_str(),
                ui::dim("(build " + ui::seconds(v.build_seconds) + ", run " +
                        ui::seconds(v.run_seconds) + ")").c_str());
    std::printf("Compare with the reference: ./lunch solution %s\n", e.name.c_str());
    if (const exercise* n = s.next())
      std::printf("Next: %s (%s) - ./lunch check %s\n", n->name.c_str(), n->summary.c_str(),
                  n->name.c_str());
    else
      std::printf("That was the last one: every exercise is solved!\n");
    warn_if_unsaved(s);
    return 0;
  }
  std::string extra;
  if (v.result == outcome::failed && v.checks_passed > 0)
    extra = " (" + std::to_string(v.checks_passed) + " checks pass before this one)";
  std::printf("%s %s%s\n\n%s\n", ui::red("FAIL").c_str(), v.headline.c_str(), extra.c_str(),
              v.details.c_str());
  if (v.result != outcome::broken)
    std::printf("Edit %s and check again. Stuck? ./lunch hint %s\n", e.file.c_str(),
                e.name.c_str());
  warn_if_unsaved(s);
  return 1;
}

int cmd_check(session& s, const std::optional<std::string>& key) {
  if (key && key->empty()) throw usage_error("check what? an exercise name may not be empty");
  const exercise* e = !key ? s.next() : &s.exercise_or_throw(*key);
  if (!e) {
    std::printf("Every exercise is solved: nothing to check. (./lunch check NAME re-checks one.)\n");
    return 0;
  }
  return report_check(s, *e);
}

int cmd_hint(session& s, const std::string& key, bool all) {
  const exercise& e = s.exercise_or_throw(key);
  const auto hints = read_hints(s.c.root / e.hints, e.name);
  if (hints.empty()) {
    std::printf("No hints are written for %s yet: read chapters/%s/README.md.\n",
                e.name.c_str(), e.chapter.c_str());
    return 0;
  }
  const int total = static_cast<int>(hints.size());
  if (all) {
    for (int i = 0; i < total; ++i)
      std::printf("%s\n%s\n\n", ui::bold("Hint " + std::to_string(i + 1) + " of " +
                                         std::to_string(total) + ":").c_str(),
                  hints[static_cast<std::size_t>(i)].c_str());
    s.p.show_all_hints(e.name, total);
    warn_if_unsaved(s);
    return 0;
  }
  const int before = std::clamp(s.p.get(e.name).hints_shown, 0, total);
  const int level = s.p.show_hint(e.name, total);
  warn_if_unsaved(s);
  std::printf("%s\n%s\n\n", ui::bold("Hint " + std::to_string(level) + " of " +
                                     std::to_string(total) + " for " + e.name + ":").c_str(),
              hints[static_cast<std::size_t>(level - 1)].c_str());
  if (level < total)
    std::printf("%s\n", ui::dim("Ask again for the next hint.").c_str());
  else if (before == total)
    std::printf("%s\n", ui::dim("That is the last hint. The answer: ./lunch solution " +
                                e.name + " --force").c_str());
  return 0;
}

int cmd_solution(session& s, const std::string& key, bool force, bool yes) {
  const exercise& e = s.exercise_or_throw(key);
  const bool solved = s.p.get(e.name).state == status::solved;
  if (!solved && !force)
    throw usage_error(e.name + " is not solved yet: solve it first (./lunch check " + e.name +
                      "), or see the answer anyway with --force");
  if (!solved && !yes) {
    if (!ui::interactive())
      throw usage_error("showing an unsolved exercise's solution needs a confirmation: add --yes");
    std::printf("%s is not solved yet. Show the solution anyway? [y/N] ", e.name.c_str());
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::printf("Not shown. Try ./lunch hint %s first.\n", e.name.c_str());
      return 0;
    }
  }
  const auto r = run_process({"diff", "-u", "--label", "yours: " + e.file, "--label",
                              "reference: " + e.solution, (s.c.root / e.file).string(),
                              (s.c.root / e.solution).string()},
                             {.limit = std::chrono::seconds(20)});
  if (r.exit_code == 0) {
    std::printf("Your %s is identical to the reference solution.\n", e.file.c_str());
    return 0;
  }
  if (r.exit_code != 1) throw std::runtime_error("diff failed: " + r.output);
  std::istringstream in(r.output);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("+++", 0) == 0 || l.rfind("---", 0) == 0) l = ui::bold(l);
    else if (!l.empty() && l[0] == '+') l = ui::green(l);
    else if (!l.empty() && l[0] == '-') l = ui::red(l);
    std::printf("%s\n", l.c_str());
  }
  std::printf("\n%s\n", ui::dim("Lines with - are yours, lines with + the reference's. "
                               "Different code can be just as right: the tests are the judge.").c_str());
  return 0;
}

int cmd_reset(session& s, const std::string& key, bool all) {
  std::vector<const exercise*> targets;
  if (all && !key.empty())
    throw usage_error("reset " + key + " or reset --all, not both");
  if (all) {
    for (const auto& e : s.c.exercises) targets.push_back(&e);
  } else {
    if (key.empty()) throw usage_error("reset what? name an exercise, or --all");
    targets.push_back(&s.exercise_or_throw(key));
  }
  // One new folder per reset, claimed atomically: two resets in the same
  // second never write into the same one.
  fs::path backup;
  int restored = 0;
  for (const exercise* e : targets) {
    std::string shipped, why;
    if (!shipped_version(s.c, *e, &shipped, &why)) {
      std::fprintf(stderr, "lunch reset: cannot find %s as shipped (is this a git clone?): %s\n",
                   e->file.c_str(), why.c_str());
      return 1;
    }
    const fs::path path = s.c.root / e->file;
    const bool exists = fs::exists(path);
    if (exists && read_file(path) == shipped) continue;
    if (exists) {
      // Nothing a learner wrote is ever lost: keep a copy first.
      if (backup.empty()) backup = unique_path(s.p.dir() / "backups", now_stamp(true), true);
      const fs::path keep = backup / e->file;
      fs::create_directories(keep.parent_path());
      fs::copy_file(path, keep);
      std::printf("  saved your %s as %s\n", e->file.c_str(),
                  keep.lexically_relative(s.c.root).c_str());
    }
    write_file(path, shipped);
    s.p.forget_state(e->name);
    ++restored;
  }
  warn_if_unsaved(s);
  if (restored == 0)
    std::printf("Nothing to reset: %s already as shipped.\n",
                all ? "every exercise is" : (targets[0]->name + " is").c_str());
  else
    std::printf("Restored %d exercise%s as shipped.\n", restored, restored == 1 ? "" : "s");
  return 0;
}

}  // namespace lunch::runner
