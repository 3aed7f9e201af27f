#include "progress.hpp"

#include <nlohmann/json.hpp>

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

progress::progress(fs::path lunch_dir) : dir_(std::move(lunch_dir)) {
  const fs::path file = dir_ / "progress.json";
  std::ifstream in(file);
  if (!in) return;
  try {
    const json j = json::parse(in);
    for (const auto& [name, item] : j.at("exercises").items()) {
      exercise_progress p;
      const std::string s = item.value("status", "");
      p.state = s == "solved" ? status::solved
                : s == "failing" ? status::failing
                                 : status::not_tried;
      p.hints_shown = item.value("hints_shown", 0);
      p.last_checked = item.value("last_checked", "");
      items_[name] = p;
    }
  } catch (const std::exception& e) {
    in.close();
    const fs::path aside = dir_ / ("progress.json.damaged-" + now_stamp(true));
    std::error_code ec;
    fs::rename(file, aside, ec);
    warning_ = "progress file was damaged (" + std::string(e.what()) +
               "); kept it as " + aside.string() + " and started afresh";
    items_.clear();
  }
}

exercise_progress progress::get(const std::string& exercise) const {
  const auto it = items_.find(exercise);
  return it == items_.end() ? exercise_progress{} : it->second;
}

void progress::record_check(const std::string& exercise, bool passed) {
  auto& p = items_[exercise];
  p.state = passed ? status::solved : status::failing;
  p.last_checked = now_stamp();
}

int progress::show_hint(const std::string& exercise, int available) {
  auto& p = items_[exercise];
  if (p.hints_shown < available) ++p.hints_shown;
  return p.hints_shown;
}

void progress::forget_state(const std::string& exercise) {
  auto& p = items_[exercise];
  p.state = status::not_tried;
  p.last_checked.clear();
}

void progress::save() const {
  json j;
  j["format"] = 1;
  j["exercises"] = json::object();
  for (const auto& [name, p] : items_) {
    j["exercises"][name] = {{"status", to_string(p.state)},
                            {"hints_shown", p.hints_shown},
                            {"last_checked", p.last_checked}};
  }
  fs::create_directories(dir_);
  const fs::path tmp = dir_ / "progress.json.tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, dir_ / "progress.json");
}

}  // namespace lunch::runner
