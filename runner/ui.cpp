#include "ui.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace lunch::runner {
namespace {

std::string paint(const char* code, const std::string& s) {
  if (!ui::color()) return s;
  return std::string("\033[") + code + "m" + s + "\033[0m";
}

}  // namespace

bool ui::color() {
  static const bool on = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr &&
                         std::getenv("TERM") != nullptr &&
                         std::string(std::getenv("TERM")) != "dumb";
  return on;
}

bool ui::interactive() { return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO); }

std::string ui::green(const std::string& s) { return paint("32", s); }
std::string ui::red(const std::string& s) { return paint("31", s); }
std::string ui::yellow(const std::string& s) { return paint("33", s); }
std::string ui::bold(const std::string& s) { return paint("1", s); }
std::string ui::dim(const std::string& s) { return paint("2", s); }

std::string ui::bar(int done, int total, int width) {
  const int filled = total > 0 ? done * width / total : 0;
  std::string s = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                  std::string(static_cast<std::size_t>(width - filled), '.') + "]";
  return (done == total && total > 0 ? green(s) : s) + "  " + std::to_string(done) +
         "/" + std::to_string(total);
}

std::string ui::seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

}  // namespace lunch::runner
