// The presenter's and maintainer's commands: demo, tour, serve, test.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "build.hpp"
#include "commands.hpp"
#include "process.hpp"
#include "ui.hpp"

namespace lunch::runner {

int cmd_demo(session& s, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::printf("Usage: ./lunch demo CHAPTER [NAME] [options]   (--help after NAME for its options)\n\n");
    for (const auto& d : s.c.demos)
      std::printf("  %-15s %-18s %s\n", d.chapter.c_str(), d.name.c_str(), d.summary.c_str());
    return 0;
  }
  const std::string ch = s.c.find_chapter(args[0]);
  if (ch.empty())
    throw usage_error("no chapter '" + args[0] + "' (chapters: " + [&] {
      std::string list;
      for (const auto& c : s.c.chapters) list += (list.empty() ? "" : ", ") + c;
      return list;
    }() + ")");
  const auto demos = s.c.demos_of(ch);
  if (demos.empty()) throw usage_error("chapter " + ch + " has no demo yet");
  std::size_t rest = 1;
  const demo* d = nullptr;
  if (args.size() > 1 && args[1].rfind("-", 0) != 0) {
    for (const demo* x : demos)
      if (x->name == args[1]) d = x;
    if (!d) {
      std::string names;
      std::vector<std::string> candidates;
      for (const demo* x : demos) {
        names += (names.empty() ? "" : ", ") + x->name;
        candidates.push_back(x->name);
      }
      const std::string near = closest(args[1], candidates);
      throw usage_error("chapter " + ch + " has no demo '" + args[1] + "'" +
                        (near.empty() ? "" : "; did you mean '" + near + "'?") +
                        " (its demos: " + names + ")");
    }
    rest = 2;
  } else {
    for (const demo* x : demos)
      if (x->headline) d = x;
    if (!d) d = demos.front();
  }
  std::string output;
  if (!build(s.c, {s.c.target_path(d->binary)}, "demo " + d->name, &output)) {
    std::fprintf(stderr, "%s\nlunch demo: building %s failed\n", output.c_str(), d->name.c_str());
    return 1;
  }
  std::vector<std::string> argv = {d->binary};
  argv.insert(argv.end(), args.begin() + static_cast<long>(rest), args.end());
  std::fflush(stdout);
  const std::string err = exec_process(argv);
  std::fprintf(stderr, "lunch demo: cannot start %s: %s\n", d->binary.c_str(), err.c_str());
  return 1;
}

int cmd_tour(session& s, bool no_pause) {
  std::vector<const demo*> tour;
  std::vector<std::string> targets;
  for (const auto& ch : s.c.chapters)
    for (const demo* d : s.c.demos_of(ch))
      if (d->headline) {
        tour.push_back(d);
        targets.push_back(s.c.target_path(d->binary));
      }
  std::string output;
  if (!build(s.c, targets, "the demos", &output)) {
    std::fprintf(stderr, "%s\nlunch tour: building the demos failed\n", output.c_str());
    return 1;
  }
  const bool pause = !no_pause && ui::interactive();
  int failures = 0;
  for (std::size_t i = 0; i < tour.size(); ++i) {
    const demo& d = *tour[i];
    std::printf("\n%s\n%s\n\n",
                ui::bold("== " + d.chapter + "  " + s.c.chapter_title(d.chapter)).c_str(),
                ui::dim(d.summary + "   (./lunch demo " + d.chapter.substr(0, 2) + " " + d.name + ")").c_str());
    std::fflush(stdout);
    std::vector<std::string> argv = {d.binary};
    argv.insert(argv.end(), d.tour_args.begin(), d.tour_args.end());
    if (const int rc = run_foreground(argv); rc != 0) {
      std::printf("%s\n", ui::red("(this demo ended with status " + std::to_string(rc) + ")").c_str());
      ++failures;
    }
    if (pause && i + 1 < tour.size()) {
      std::printf("\n%s", ui::dim("Enter: next chapter, q then Enter: stop ").c_str());
      std::fflush(stdout);
      std::string answer;
      if (!std::getline(std::cin, answer) || answer == "q") break;
    }
  }
  std::printf("\n%s\n", failures ? ui::red("The tour is over; some demos failed.").c_str()
                                 : "That was the tour. Start the exercises with ./lunch");
  return failures ? 1 : 0;
}

int cmd_serve(session& s, const std::vector<std::string>& args) {
  const fs::path binary = s.c.build / "support" / "lunch-serve";
  std::string output;
  if (!build(s.c, {"support/lunch-serve"}, "the latency server", &output)) {
    std::fprintf(stderr, "%s\nlunch serve: building the server failed\n", output.c_str());
    return 1;
  }
  std::vector<std::string> argv = {binary.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::fflush(stdout);
  const std::string err = exec_process(argv);
  std::fprintf(stderr, "lunch serve: cannot start %s: %s\n", binary.c_str(), err.c_str());
  return 1;
}

int cmd_slides(session& s, const std::vector<std::string>& args) {
  const fs::path dir = s.c.root / "slides";
  if (!in_path("node") || !in_path("npm"))
    throw usage_error("the slides need Node.js and npm: scripts/install-deps.sh --slides installs "
                      "them (the C++ course itself does not)");
  if (!fs::exists(dir / "node_modules" / ".bin" / "marp")) {
    // Once, from the versions pinned in package-lock.json.
    std::printf("Installing Marp into slides/node_modules (npm ci, once)...\n");
    std::fflush(stdout);
    if (run_foreground({"npm", "ci", "--prefix", dir.string(), "--no-audit", "--no-fund"}) != 0) {
      std::fprintf(stderr, "lunch slides: npm ci failed (see above); it needs the npm registry once\n");
      return 1;
    }
  }
  // The deck's timelines come from demo runs: build the demos first.
  std::vector<std::string> targets;
  for (const auto& d : s.c.demos) targets.push_back(s.c.target_path(d.binary));
  std::string output;
  if (!build(s.c, targets, "the demos", &output)) {
    std::fprintf(stderr, "%s\nlunch slides: building the demos failed\n", output.c_str());
    return 1;
  }
  std::vector<std::string> argv = {"node", (dir / "build.mjs").string(), "--build", s.c.build.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_foreground(argv);
}

int cmd_bench(session& s, const std::vector<std::string>& args) {
  // The table is bench/run.py's job: it builds both sides, runs one process
  // per configuration and reads their JSON lines, which is script work.
  if (!in_path("python3")) throw usage_error("lunch bench needs python3 (bench/run.py prints the table)");
  std::vector<std::string> argv = {"python3", (s.c.root / "bench" / "run.py").string(), "--build",
                                   s.c.build.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::fflush(stdout);
  // run.py runs ninja in this folder: under the build lock, like every other
  // command that does.
  build_lock lock(s.c.build);
  return run_foreground(argv);
}

int cmd_test(session& s, const std::vector<std::string>& args) {
  if (!in_path("meson")) throw usage_error("meson is not installed: run scripts/install-deps.sh");
  std::vector<std::string> argv = {"meson", "test", "-C", s.c.build.string(),
                                   "--print-errorlogs"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::fflush(stdout);
  // meson test rebuilds what changed first: under the build lock, like every
  // other command that runs ninja in this folder.
  build_lock lock(s.c.build);
  return run_foreground(argv);
}

}  // namespace lunch::runner
