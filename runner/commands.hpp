// The `lunch` subcommands. Each returns the process exit status:
// 0 done, 1 an exercise or test failed, 2 bad input.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "course.hpp"
#include "progress.hpp"

namespace lunch::runner {

struct session {
  course c;
  progress p;
  // The first exercise not yet solved, or nullptr when all are.
  const exercise* next() const;
  // Looks up EX, or throws usage_error with a "did you mean" suggestion.
  const exercise& exercise_or_throw(const std::string& key) const;
};

int cmd_overview(session& s);
int cmd_list(session& s, bool json);
// key: none for the next unsolved exercise.
int cmd_check(session& s, const std::optional<std::string>& key);
int cmd_watch(session& s, const std::string& key, bool manual);
int cmd_hint(session& s, const std::string& key, bool all);
int cmd_solution(session& s, const std::string& key, bool force, bool yes);
int cmd_reset(session& s, const std::string& key, bool all);
int cmd_demo(session& s, const std::vector<std::string>& args);
int cmd_tour(session& s, bool no_pause);
int cmd_serve(session& s, const std::vector<std::string>& args);
int cmd_slides(session& s, const std::vector<std::string>& args);
int cmd_test(session& s, const std::vector<std::string>& args);
// bench/run.py: C++/Asio next to Tokio, one table (args: --quick, ...).
int cmd_bench(session& s, const std::vector<std::string>& args);

// Prints a verdict and records it; returns 0 when the exercise passed.
int report_check(session& s, const exercise& e);

}  // namespace lunch::runner
