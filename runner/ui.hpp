// How the runner talks: colour only on a terminal and never with NO_COLOR,
// one clear line for every mistake, and exit status 2 for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace lunch::runner {

// A mistake in what the user asked for: printed as one line, exit status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ui {
  static bool color();          // stdout is a tty and NO_COLOR is unset
  static bool interactive();    // stdin and stdout are both ttys
  static std::string green(const std::string& s);
  static std::string red(const std::string& s);
  static std::string yellow(const std::string& s);
  static std::string bold(const std::string& s);
  static std::string dim(const std::string& s);
  // "[########............]  3/9"
  static std::string bar(int done, int total, int width = 24);
  // 0.84 -> "0.8 s", 12.34 -> "12.3 s"
  static std::string seconds(double s);
};

}  // namespace lunch::runner
