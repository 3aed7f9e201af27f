#include "build.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "process.hpp"
#include "ui.hpp"

namespace lunch::runner {

build_lock::build_lock(const fs::path& build) {
  fd_ = open((build / ".lunch-build.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    std::fprintf(stderr, "waiting for another lunch command to finish building...\n");
    flock(fd_, LOCK_EX);
  }
}

build_lock::~build_lock() {
  if (fd_ >= 0) close(fd_);
}

bool build(const course& c, const std::vector<std::string>& targets,
           const std::string& what, std::string* output, double* seconds) {
  if (!in_path("ninja")) {
    *output = "ninja is not installed: run scripts/install-deps.sh";
    return false;
  }
  build_lock lock(c.build);
  std::vector<std::string> argv = {"ninja", "-C", c.build.string()};
  argv.insert(argv.end(), targets.begin(), targets.end());

  const bool tty = ui::interactive();
  static const std::regex step(R"(^\[(\d+)/(\d+)\] )");
  bool showed = false;
  process_options opt;
  opt.limit = std::chrono::minutes(30);
  opt.on_line = [&](const std::string& line) {
    std::smatch m;
    if (!std::regex_search(line, m, step)) return;
    if (m[2] == "1" && !showed) return;  // a one-step build needs no progress
    const std::string msg = "  building " + what + " [" + m[1].str() + "/" + m[2].str() + "]";
    if (tty) {
      std::printf("\r%-60s", msg.c_str());  // one line, updated in place
    } else if (!showed) {
      std::printf("  building %s (%s steps)...\n", what.c_str(), m[2].str().c_str());
    }
    showed = true;
    std::fflush(stdout);
  };
  const auto r = run_process(argv, opt);
  if (showed && tty) std::printf("\r%-60s\r", "");
  std::fflush(stdout);
  if (seconds) *seconds = r.seconds;
  *output = r.output;
  if (r.timed_out) *output += "\n(the build was stopped after 30 minutes)";
  return r.ok();
}

}  // namespace lunch::runner
