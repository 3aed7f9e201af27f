#include "check.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <sstream>

#include "process.hpp"
#include "ui.hpp"

namespace lunch::runner {
namespace {

// Two `lunch` commands (say, `watch` in one terminal and `check` in another)
// must not run ninja in the same folder at once: it would corrupt its logs.
class build_lock {
 public:
  explicit build_lock(const fs::path& build) {
    fd_ = open((build / ".lunch-build.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      std::fprintf(stderr, "waiting for another lunch command to finish building...\n");
      flock(fd_, LOCK_EX);
    }
  }
  ~build_lock() {
    if (fd_ >= 0) close(fd_);
  }
  build_lock(const build_lock&) = delete;
  build_lock& operator=(const build_lock&) = delete;

 private:
  int fd_ = -1;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string strip_dots(std::string path) {
  while (path.rfind("../", 0) == 0) path.erase(0, 3);
  return path;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A FAIL block of the test reporter: from "  FAIL" to the next result line.
std::string first_failure(const std::string& output, int* passed) {
  std::string block;
  bool inside = false;
  *passed = 0;
  for (const auto& l : lines_of(output)) {
    if (l.rfind("  ok    ", 0) == 0) {
      if (inside) break;
      ++*passed;
      continue;
    }
    if (l.rfind("  FAIL  ", 0) == 0) {
      if (inside) break;
      inside = true;
    } else if (inside && (l.empty() || std::isdigit(static_cast<unsigned char>(l[0])))) {
      break;
    }
    if (inside) block += l + "\n";
  }
  return block;
}

std::string tail_lines(const std::string& text, std::size_t n) {
  auto ls = lines_of(text);
  std::string out;
  for (std::size_t i = ls.size() > n ? ls.size() - n : 0; i < ls.size(); ++i)
    out += "    " + ls[i] + "\n";
  return out;
}

}  // namespace

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

std::string first_error(const std::string& compiler_output,
                        const std::string& learner_file) {
  static const std::regex diag(R"(^(\S+?):(\d+):(\d+): (fatal error|error): (.*)$)");
  const auto ls = lines_of(compiler_output);
  auto excerpt = [&](std::size_t i) {
    std::string out = "  " + strip_dots(ls[i]) + "\n";
    // g++ and clang++ follow a diagnostic with the source line and a caret.
    for (std::size_t k = i + 1; k < ls.size() && k <= i + 3; ++k) {
      if (ls[k].find(" | ") == std::string::npos && ls[k].find('^') == std::string::npos) break;
      out += "  " + ls[k] + "\n";
    }
    return out;
  };
  std::size_t first_any = ls.size();
  for (std::size_t i = 0; i < ls.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(ls[i], m, diag)) continue;
    if (first_any == ls.size()) first_any = i;
    if (ends_with(strip_dots(m[1].str()), learner_file)) return excerpt(i);
  }
  if (first_any == ls.size()) return tail_lines(compiler_output, 15);
  // The error is in a header (Asio's, usually), caused by the learner's code:
  // point at the line of theirs that started it.
  std::string out = excerpt(first_any);
  for (const auto& l : ls) {
    if (l.find(learner_file) != std::string::npos &&
        (l.find("required from") != std::string::npos ||
         l.find("In instantiation") != std::string::npos ||
         l.find("note:") != std::string::npos)) {
      out += "  which comes from your code:\n  " + strip_dots(l) + "\n";
      break;
    }
  }
  return out;
}

verdict check(const course& c, const exercise& e) {
  verdict v;
  std::string build_output;
  if (!build(c, {c.target_path(e.binary)}, e.name + "'s test", &build_output,
             &v.build_seconds)) {
    const bool compiler_ran = build_output.find("error:") != std::string::npos;
    v.result = compiler_ran ? outcome::compile_error : outcome::broken;
    v.headline = compiler_ran ? e.file + " does not compile"
                              : "the build failed before compiling " + e.file;
    v.details = compiler_ran ? first_error(build_output, e.file)
                             : tail_lines(build_output, 20);
    return v;
  }

  process_options opt;
  // The test's own watchdog reports a hang after a few seconds; this limit
  // is only the backstop for a program that defeats it.
  opt.limit = std::chrono::seconds(90);
  opt.cwd = c.root.string();
  const auto r = run_process({e.binary, "--first-failure"}, opt);
  v.run_seconds = r.seconds;
  const std::string failure = first_failure(r.output, &v.checks_passed);

  if (r.ok()) {
    v.result = outcome::passed;
    v.headline = e.name + " passes all its checks";
  } else if (r.timed_out) {
    v.result = outcome::hung;
    v.headline = e.name + "'s test did not finish within 90 s and was stopped: "
                          "an endless loop or a deadlock";
    v.details = tail_lines(r.output, 12);
  } else if (r.exit_code == 124 && r.output.find("lunch watchdog:") != std::string::npos) {
    v.result = outcome::hung;
    v.headline = e.name + " hung: the deadline passed with work still pending";
    v.details = failure + r.output.substr(r.output.find("lunch watchdog:"));
  } else if (r.signal != 0) {
    v.result = outcome::crashed;
    v.headline = e.name + "'s test crashed with " + describe_signal(r.signal);
    v.details = failure.empty() ? tail_lines(r.output, 12) : failure;
  } else if (failure.find("deadline of ") != std::string::npos) {
    v.result = outcome::hung;
    v.headline = e.name + " hung: the deadline passed with work still pending";
    v.details = failure;
  } else if (!failure.empty()) {
    v.result = outcome::failed;
    v.headline = e.name + " does not pass yet";
    v.details = failure;
  } else {
    v.result = outcome::crashed;
    v.headline = e.name + "'s test ended with exit status " + std::to_string(r.exit_code);
    v.details = tail_lines(r.output, 12);
  }
  return v;
}

}  // namespace lunch::runner
