// Where a learner's test crashed: the test is run a second time under gdb,
// and the stack at the crash is cut down to the frames a learner can act on.
#pragma once

#include <string>

namespace lunch::runner {

struct crash_site {
  bool crashed_again = false;  // the second run crashed too
  // "    exercises/01_futures/sleep_for.hpp:28  in sleep_for(...)" lines:
  // the frames in the learner's file first, then at most three others that
  // are in the course's own files (tests, support), innermost first.
  std::string frames;
};

// Runs `binary --first-failure` under `gdb -batch` in `cwd` (60 s at most).
crash_site locate_crash(const std::string& binary, const std::string& cwd,
                        const std::string& learner_file);

// The frames of a gdb backtrace, chosen as above. Exposed for tests.
std::string pick_frames(const std::string& backtrace, const std::string& learner_file);

}  // namespace lunch::runner
