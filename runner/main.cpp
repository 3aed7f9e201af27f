// lunch: the course's command-line companion.
//
// It is started by the ./lunch script, which makes sure the build folder
// exists and this program is up to date, then hands over its arguments.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

#include "commands.hpp"
#include "ui.hpp"

#ifndef LUNCH_SOURCE_ROOT
#error "LUNCH_SOURCE_ROOT must be defined by the build"
#endif
#ifndef LUNCH_BUILD_ROOT
#error "LUNCH_BUILD_ROOT must be defined by the build"
#endif

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lunch::runner;

  CLI::App app("Practical async C++ over lunch: exercises, hints, demos and tests.\n"
               "With no command: your progress and what to do next.",
               "lunch");
  app.require_subcommand(0, 1);
  app.footer("Exercises can be named 'join_all' or '02/join_all'. Progress lives in .lunch/.\n");

  bool json = false;
  auto* list = app.add_subcommand("list", "every exercise with its status");
  list->add_flag("--json", json, "one JSON object per exercise");

  std::string ex;
  auto* check = app.add_subcommand("check", "build and run one exercise's test (default: the next unsolved)");
  check->add_option("exercise", ex, "exercise name");

  bool manual = false;
  auto* watch = app.add_subcommand("watch", "re-check the current exercise each time you save it");
  watch->add_option("exercise", ex, "exercise name (default: the next unsolved)");
  watch->add_flag("--manual", manual, "re-check when you press Enter, not on save");

  bool all = false;
  auto* hint = app.add_subcommand("hint", "the next hint for an exercise, one level per call");
  hint->add_option("exercise", ex, "exercise name")->required();
  hint->add_flag("--all", all, "every hint at once");

  bool force = false, yes = false;
  auto* solution = app.add_subcommand("solution", "diff your exercise against the reference solution");
  solution->add_option("exercise", ex, "exercise name")->required();
  solution->add_flag("--force", force, "even before it passes");
  solution->add_flag("--yes", yes, "with --force: do not ask for confirmation");

  auto* reset = app.add_subcommand("reset", "restore an exercise as shipped (yours is backed up first)");
  reset->add_option("exercise", ex, "exercise name");
  reset->add_flag("--all", all, "every exercise");

  auto* demo = app.add_subcommand("demo", "run a chapter's demo: lunch demo CHAPTER [NAME] [options]");
  demo->prefix_command();
  bool no_pause = false;
  auto* tour = app.add_subcommand("tour", "every chapter's headline demo, in order (for presenters)");
  tour->add_flag("--no-pause", no_pause, "do not wait for Enter between chapters");
  auto* serve = app.add_subcommand("serve", "run the local HTTP latency server (try: lunch serve --help)");
  serve->prefix_command();
  auto* test = app.add_subcommand("test", "build and run every test against the reference solutions");
  test->prefix_command();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs((app.get_subcommands().empty() ? app.help() : app.get_subcommands()[0]->help()).c_str(), stdout);
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

  try {
    const std::string root = env_or("LUNCH_ROOT", LUNCH_SOURCE_ROOT);
    const std::string build = env_or("LUNCH_BUILD", LUNCH_BUILD_ROOT);
    session s{course::load(root, build), progress(std::filesystem::path(root) / ".lunch")};
    if (!s.p.warning().empty()) std::fprintf(stderr, "lunch: %s\n", s.p.warning().c_str());

    if (*list) return cmd_list(s, json);
    if (*check) return cmd_check(s, ex);
    if (*watch) return cmd_watch(s, ex, manual);
    if (*hint) return cmd_hint(s, ex, all);
    if (*solution) return cmd_solution(s, ex, force, yes);
    if (*reset) return cmd_reset(s, ex, all);
    if (*demo) return cmd_demo(s, demo->remaining());
    if (*tour) return cmd_tour(s, no_pause);
    if (*serve) return cmd_serve(s, serve->remaining());
    if (*test) return cmd_test(s, test->remaining());
    return cmd_overview(s);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "lunch: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lunch: %s\n", e.what());
    return 1;
  }
}
