// lunch: the course's command-line companion.
//
// It is started by the ./lunch script, which makes sure the build folder
// exists and this program is up to date, then hands over its arguments.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "commands.hpp"
#include "process.hpp"
#include "ui.hpp"

#ifndef LUNCH_SOURCE_ROOT
#error "LUNCH_SOURCE_ROOT must be defined by the build"
#endif
#ifndef LUNCH_BUILD_ROOT
#error "LUNCH_BUILD_ROOT must be defined by the build"
#endif

namespace {

using namespace lunch::runner;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// What the command line asked for, filled in by CLI11.
struct request {
  std::string ex;
  bool json = false, manual = false, all = false, force = false, yes = false, no_pause = false;
  CLI::App* list = nullptr;
  CLI::App* check = nullptr;
  CLI::Option* check_name = nullptr;
  CLI::App* watch = nullptr;
  CLI::App* hint = nullptr;
  CLI::App* solution = nullptr;
  CLI::App* reset = nullptr;
  CLI::App* demo = nullptr;
  CLI::App* tour = nullptr;
  CLI::App* serve = nullptr;
  CLI::App* test = nullptr;
  CLI::App* slides = nullptr;
  CLI::App* bench = nullptr;
};

void define_commands(CLI::App& app, request& r) {
  app.require_subcommand(0, 1);
  app.footer("Exercises can be named 'join_all' or '02/join_all'. Progress lives in .lunch/.\n");

  r.list = app.add_subcommand("list", "every exercise with its status");
  r.list->add_flag("--json", r.json, "one JSON object per exercise");

  r.check = app.add_subcommand("check", "build and run one exercise's test (default: the next unsolved)");
  r.check_name = r.check->add_option("exercise", r.ex, "exercise name");

  r.watch = app.add_subcommand("watch", "re-check the current exercise each time you save it");
  r.watch->add_option("exercise", r.ex, "exercise name (default: the next unsolved)");
  r.watch->add_flag("--manual", r.manual, "re-check when you press Enter, not on save");

  r.hint = app.add_subcommand("hint", "the next hint for an exercise, one level per call");
  r.hint->add_option("exercise", r.ex, "exercise name")->required();
  r.hint->add_flag("--all", r.all, "every hint at once");

  r.solution = app.add_subcommand("solution", "diff your exercise against the reference solution");
  r.solution->add_option("exercise", r.ex, "exercise name")->required();
  r.solution->add_flag("--force", r.force, "even before it passes");
  r.solution->add_flag("--yes", r.yes, "with --force: do not ask for confirmation");

  r.reset = app.add_subcommand("reset", "restore an exercise as shipped (yours is backed up first)");
  r.reset->add_option("exercise", r.ex, "exercise name");
  r.reset->add_flag("--all", r.all, "every exercise");

  r.demo = app.add_subcommand("demo", "run a chapter's demo: lunch demo CHAPTER [NAME] [options]");
  r.demo->prefix_command();
  // --help after these goes to the program they run (the demo, lunch-serve,
  // meson test, bench/run.py), which knows its own options.
  r.demo->set_help_flag();
  r.tour = app.add_subcommand("tour", "every chapter's headline demo, in order (for presenters)");
  r.tour->add_flag("--no-pause", r.no_pause, "do not wait for Enter between chapters");
  r.serve = app.add_subcommand("serve", "run the local HTTP latency server (lunch serve --help: its options)");
  r.serve->prefix_command();
  r.serve->set_help_flag();
  r.slides = app.add_subcommand("slides", "build the deck: build/slides/deck.html (and .pdf with Chromium)");
  r.slides->prefix_command();
  r.slides->set_help_flag();
  r.bench = app.add_subcommand("bench", "benchmarks: C++/Asio next to Tokio, one table (--quick: smoke sizes)");
  r.bench->prefix_command();
  r.bench->set_help_flag();
  r.test = app.add_subcommand("test", "build and run every test against the reference solutions");
  r.test->prefix_command();
  r.test->set_help_flag();
}

// Parses the command line; returns an exit status when there is nothing
// more to do (help shown, or bad input reported).
std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    const auto subs = app.get_subcommands();
    std::fputs((subs.empty() ? app.help() : subs[0]->help()).c_str(), stdout);
    return 0;
  } catch (const CLI::ExtrasError& e) {
    // CLI11 says "The following argument was not expected: X"; keep the X.
    std::string what = e.what();
    what = what.substr(what.find(':') == std::string::npos ? 0 : what.find(':') + 2);
    std::fprintf(stderr, "lunch: unknown command or argument: %s (try ./lunch --help)\n",
                 what.c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "lunch: %s (try ./lunch --help)\n", e.what());
    return 2;
  }
  return std::nullopt;
}

int dispatch(session& s, const request& r) {
  if (*r.list) return cmd_list(s, r.json);
  if (*r.check) return cmd_check(s, r.check_name->count() ? std::optional(r.ex) : std::nullopt);
  if (*r.watch) return cmd_watch(s, r.ex, r.manual);
  if (*r.hint) return cmd_hint(s, r.ex, r.all);
  if (*r.solution) return cmd_solution(s, r.ex, r.force, r.yes);
  if (*r.reset) return cmd_reset(s, r.ex, r.all);
  if (*r.demo) return cmd_demo(s, r.demo->remaining());
  if (*r.tour) return cmd_tour(s, r.no_pause);
  if (*r.serve) return cmd_serve(s, r.serve->remaining());
  if (*r.test) return cmd_test(s, r.test->remaining());
  if (*r.slides) return cmd_slides(s, r.slides->remaining());
  if (*r.bench) return cmd_bench(s, r.bench->remaining());
  return cmd_overview(s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Practical async C++ over lunch: exercises, hints, demos and tests.\n"
               "With no command: your progress and what to do next.",
               "lunch");
  request r;
  define_commands(app, r);
  if (const auto done = parse(app, argc, argv)) return *done;

  try {
    const std::string root = env_or("LUNCH_ROOT", LUNCH_SOURCE_ROOT);
    const std::string build = env_or("LUNCH_BUILD", LUNCH_BUILD_ROOT);
    session s{course::load(root, build), progress(std::filesystem::path(root) / ".lunch")};
    if (!s.p.warning().empty()) std::fprintf(stderr, "lunch: %s\n", s.p.warning().c_str());
    return dispatch(s, r);
  } catch (const interrupted& e) {
    // The child (a build, a test) was stopped and waited for already.
    std::fprintf(stderr, "\nlunch: stopped (%s)\n", e.what());
    return 128 + e.signal();
  } catch (const usage_error& e) {
    std::fprintf(stderr, "lunch: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lunch: %s\n", e.what());
    return 1;
  }
}
