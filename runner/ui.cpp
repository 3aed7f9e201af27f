#include "ui.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

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

int ui::terminal_width() {
  winsize w{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 20) return w.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    const int n = std::atoi(c);
    if (n > 20) return n;
  }
  return 80;
}

}  // namespace lunch::runner
