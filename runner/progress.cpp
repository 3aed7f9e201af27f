#include "progress.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

namespace lunch::runner {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* to_string(status s) {
  switch (s) {
    case status::solved: return "solved";
    case status::failing: return "failing";
    default: return "not tried";
  }
}

std::string now_stamp(bool for_file_name) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, for_file_name ? "%Y%m%d-%H%M%S" : "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

fs::path unique_path(const fs::path& parent, const std::string& stem, bool folder) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  for (int n = 1;; ++n) {
    const fs::path p = parent / (n == 1 ? stem : stem + "-" + std::to_string(n));
    if (folder) {
      // create_directory is atomic: it says false when the name was taken.
      if (fs::create_directory(p, ec)) return p;
      if (ec) throw std::runtime_error("cannot create " + p.string() + ": " + ec.message());
    } else {
      const int fd = open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
      if (fd >= 0) {
        close(fd);
        return p;
      }
      if (errno != EEXIST)
        throw std::runtime_error("cannot create " + p.string() + ": " + std::strerror(errno));
    }
  }
}

namespace {

// An exclusive flock on .lunch/progress.lock for as long as it lives. No
// lock (a read-only folder) is not an error: there is nothing to save then.
class file_lock {
 public:
  explicit file_lock(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    fd_ = open((dir / "progress.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~file_lock() {
    if (fd_ >= 0) close(fd_);
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

 private:
  int fd_ = -1;
};

exercise_progress from_json(const json& item) {
  exercise_progress p;
  const std::string s = item.value("status", "");
  p.state = s == "solved" ? status::solved : s == "failing" ? status::failing : status::not_tried;
  p.hints_shown = std::max(0, item.value("hints_shown", 0));
  p.last_checked = item.value("last_checked", "");
  return p;
}

json to_json(const std::map<std::string, exercise_progress>& items) {
  json j;
  j["format"] = 1;
  j["exercises"] = json::object();
  for (const auto& [name, p] : items)
    j["exercises"][name] = {{"status", to_string(p.state)},
                            {"hints_shown", p.hints_shown},
                            {"last_checked", p.last_checked}};
  return j;
}

// Writes through a temporary file of its own (a unique name: two commands
// never share one) and renames it over the old file, so a reader sees the
// old or the new file, never half of one.
void write_atomically(const fs::path& file, const std::string& content) {
  std::string tmpl = file.string() + ".XXXXXX";
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("cannot write in " + file.parent_path().string() +
                                       ": " + std::strerror(errno));
  const bool written = write(fd, content.data(), content.size()) ==
                       static_cast<ssize_t>(content.size());
  const int saved_errno = errno;
  close(fd);
  if (!written || rename(tmpl.c_str(), file.c_str()) != 0) {
    unlink(tmpl.c_str());
    throw std::runtime_error("cannot write " + file.string() + ": " +
                             std::strerror(written ? errno : saved_errno));
  }
}

}  // namespace

progress::progress(fs::path lunch_dir) : dir_(std::move(lunch_dir)) { read(); }

void progress::reload() { read(); }

void progress::read() {
  items_.clear();
  const fs::path file = dir_ / "progress.json";
  std::ifstream in(file);
  if (!in) return;
  try {
    const json j = json::parse(in);
    for (const auto& [name, item] : j.at("exercises").items()) items_[name] = from_json(item);
  } catch (const std::exception& e) {
    in.close();
    items_.clear();
    try {
      const fs::path aside = unique_path(dir_, "progress.json.damaged-" + now_stamp(true), false);
      fs::rename(file, aside);
      warning_ = "the progress file was damaged (" + std::string(e.what()) + "); kept it as " +
                 aside.string() + " and started afresh";
    } catch (const std::exception& why) {
      warning_ = "the progress file is damaged and could not be set aside (" +
                 std::string(why.what()) + "); progress starts afresh";
    }
  }
}

void progress::change(const std::string& exercise,
                      const std::function<void(exercise_progress&)>& edit) {
  save_error_.clear();
  file_lock lock(dir_);
  read();  // what other commands saved since we last looked
  edit(items_[exercise]);
  try {
    write_atomically(dir_ / "progress.json", to_json(items_).dump(2) + "\n");
  } catch (const std::exception& e) {
    save_error_ = e.what();  // the change still counts for this command
  }
}

exercise_progress progress::get(const std::string& exercise) const {
  const auto it = items_.find(exercise);
  return it == items_.end() ? exercise_progress{} : it->second;
}

void progress::record_check(const std::string& exercise, bool passed) {
  change(exercise, [&](exercise_progress& p) {
    p.state = passed ? status::solved : status::failing;
    p.last_checked = now_stamp();
  });
}

int progress::show_hint(const std::string& exercise, int available) {
  int shown = 0;
  change(exercise, [&](exercise_progress& p) {
    // A course update may have removed hints: never beyond the last one.
    p.hints_shown = std::clamp(p.hints_shown + 1, 1, std::max(1, available));
    shown = p.hints_shown;
  });
  return shown;
}

void progress::show_all_hints(const std::string& exercise, int available) {
  change(exercise, [&](exercise_progress& p) { p.hints_shown = std::max(0, available); });
}

void progress::forget_state(const std::string& exercise) {
  change(exercise, [&](exercise_progress& p) {
    p.state = status::not_tried;
    p.last_checked.clear();
  });
}

}  // namespace lunch::runner
