// `lunch check`: build one exercise's test program, run it, and turn what
// happened into a verdict a learner can act on.
#pragma once

#include <string>
#include <vector>

#include "course.hpp"

namespace lunch::runner {

enum class outcome { passed, failed, compile_error, crashed, hung, broken };

struct verdict {
  outcome result = outcome::broken;
  std::string headline;  // one line: what happened
  std::string details;   // the first failure, trimmed for a person
  int checks_passed = 0; // test cases that passed before the first failure
  double build_seconds = 0;
  double run_seconds = 0;
};

verdict check(const course& c, const exercise& e);

// The first compiler error, preferring one in `learner_file`, with its
// source line and caret. Exposed for the runner's own tests.
std::string first_error(const std::string& compiler_output,
                        const std::string& learner_file);

}  // namespace lunch::runner
