// The learner's progress, kept in .lunch/progress.json at the repository's
// root. It is git-ignored and keyed by exercise name, so it survives
// rebuilds, a deleted build folder and `git pull`.
//
// Several lunch commands may run at once (watch in one terminal, check or
// hint in another), so every change is a locked read-modify-write of the
// one entry it changes: nothing another command saved is ever overwritten
// with a stale copy.
#pragma once

#include <filesystem>
#include <functional>
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
  // progress.json.damaged-<time> (never lost, never overwritten) and
  // progress starts afresh.
  explicit progress(std::filesystem::path lunch_dir);

  // As of the last read (construction, reload() or a change).
  exercise_progress get(const std::string& exercise) const;
  // Reads the file again: what other commands saved since.
  void reload();

  // Each change re-reads the file under a lock, changes one entry, and
  // writes it back. When it cannot be saved (a read-only .lunch/, a full
  // disk), the change still shows in get() and save_error() says why.
  void record_check(const std::string& exercise, bool passed);
  // Shows one more hint, at most `available`; returns the number shown now.
  int show_hint(const std::string& exercise, int available);
  void show_all_hints(const std::string& exercise, int available);
  void forget_state(const std::string& exercise);  // after a reset

  const std::filesystem::path& dir() const { return dir_; }
  // A damaged file set aside while reading; "" when none.
  std::string warning() const { return warning_; }
  // Why the last change could not be saved; "" when it was.
  std::string save_error() const { return save_error_; }

 private:
  void read();
  void change(const std::string& exercise,
              const std::function<void(exercise_progress&)>& edit);
  std::filesystem::path dir_;
  std::map<std::string, exercise_progress> items_;
  std::string warning_;
  std::string save_error_;
};

// "2026-11-26 14:03:59": for file names and people.
std::string now_stamp(bool for_file_name = false);

// A new, empty folder or file name under `parent` that nothing else has
// taken: "<stem>", else "<stem>-2", "<stem>-3", ... Creates the folder when
// `folder` is true, so two commands in the same second never share one.
std::filesystem::path unique_path(const std::filesystem::path& parent,
                                  const std::string& stem, bool folder);

}  // namespace lunch::runner
