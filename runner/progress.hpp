// The learner's progress, kept in .lunch/progress.json at the repository's
// root. It is git-ignored and keyed by exercise name, so it survives
// rebuilds, a deleted build folder and `git pull`.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace lunch::runner {

enum class status { not_tried, failing, solved };

const char* to_string(status s);

struct exercise_progress {
  status state = status::not_tried;
  int hints_shown = 0;
  std::string last_checked;  // local time, for people
};

class progress {
 public:
  // Reads the file if it exists. A damaged file is kept aside as
  // progress.json.damaged-<time> (never lost) and progress starts afresh.
  explicit progress(std::filesystem::path lunch_dir);

  exercise_progress get(const std::string& exercise) const;
  void record_check(const std::string& exercise, bool passed);
  // Returns the new number of hints shown.
  int show_hint(const std::string& exercise, int available);
  void forget_state(const std::string& exercise);  // after a reset

  // Writes atomically (temporary file + rename).
  void save() const;

  const std::filesystem::path& dir() const { return dir_; }
  std::string warning() const { return warning_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, exercise_progress> items_;
  std::string warning_;
};

// "2026-11-26 14:03:59": for file names and people.
std::string now_stamp(bool for_file_name = false);

}  // namespace lunch::runner
