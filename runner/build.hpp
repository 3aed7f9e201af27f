// Building with ninja for the runner's commands (check, watch, demo, tour,
// serve, test): one build at a time per build folder, with progress shown.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "course.hpp"

namespace lunch::runner {

// Two `lunch` commands (say, `watch` in one terminal and `check` in another)
// must not run ninja in the same folder at once: it would corrupt its logs.
// Held for as long as the object lives; waits (saying so) while another
// command holds it.
class build_lock {
 public:
  explicit build_lock(const fs::path& build);
  ~build_lock();
  build_lock(const build_lock&) = delete;
  build_lock& operator=(const build_lock&) = delete;

 private:
  int fd_ = -1;
};

// Builds the given ninja targets (paths relative to the build folder),
// showing progress on a terminal when it takes a while. On failure returns
// false and puts ninja's output in *output.
bool build(const course& c, const std::vector<std::string>& targets,
           const std::string& what, std::string* output, double* seconds = nullptr);

}  // namespace lunch::runner
