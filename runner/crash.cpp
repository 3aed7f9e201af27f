#include "crash.hpp"

#include <regex>
#include <sstream>
#include <vector>

#include "lunch/protocol.hpp"
#include "process.hpp"

namespace lunch::runner {
namespace {

struct frame {
  std::string function;
  std::string file;  // as gdb prints it, "../exercises/..." from the build folder
  std::string line;
};

std::string from_root(std::string path) {
  while (path.rfind("../", 0) == 0) path.erase(0, 3);
  return path;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A function name short enough for one line: coroutine frames and templates
// have very long ones.
std::string short_name(std::string f) {
  if (const auto paren = f.find(" ("); paren != std::string::npos) f.resize(paren);
  if (f.size() > 70) f = f.substr(0, 67) + "...";
  return f;
}

// The course's own folders: frames in the C library, Asio or doctest are noise.
bool is_course_file(const std::string& file) {
  for (const char* dir : {"exercises/", "solutions/", "tests/", "support/", "chapters/"})
    if (file.rfind(dir, 0) == 0) return true;
  return false;
}

std::vector<frame> parse(const std::string& backtrace) {
  // "#3  0x000055555555a1b2 in sleep_for(...) (d=...) at ../exercises/x.hpp:28"
  // "#0  sleep_for (...) at ../exercises/x.hpp:28" (no address in frame 0)
  static const std::regex re(R"(^#\d+\s+(?:0x[0-9a-f]+ in )?(.*) at (\S+):(\d+)\s*$)");
  std::vector<frame> out;
  std::istringstream in(backtrace);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, re)) out.push_back({m[1].str(), m[2].str(), m[3].str()});
  }
  return out;
}

}  // namespace

std::string pick_frames(const std::string& backtrace, const std::string& learner_file) {
  const auto frames = parse(backtrace);
  std::string mine, course;
  int others = 0;
  for (const auto& f : frames) {
    const std::string file = from_root(f.file);
    const std::string row = "    " + file + ":" + f.line + "  in " + short_name(f.function) + "\n";
    if (ends_with(file, learner_file)) {
      mine += row;
    } else if (others < 3 && is_course_file(file)) {
      course += row;
      ++others;
    }
  }
  return mine + course;
}

crash_site locate_crash(const std::string& binary, const std::string& cwd,
                        const std::string& learner_file) {
  process_options opt;
  opt.limit = std::chrono::seconds(60);
  opt.cwd = cwd;
  const auto r = run_process(
      {"gdb", "-batch", "-nx", "-q",
       "-ex", "set pagination off", "-ex", "set width 0",
       "-ex", "set print thread-events off", "-ex", "set print inferior-events off",
       "-ex", "run", "-ex", "bt 64",
       "--args", binary, std::string(protocol::first_failure_flag)},
      opt);
  crash_site site;
  // gdb says "Program received signal SIGSEGV" when the program crashed.
  site.crashed_again = r.output.find("received signal") != std::string::npos;
  if (site.crashed_again) site.frames = pick_frames(r.output, learner_file);
  if (site.crashed_again && site.frames.empty())
    site.frames = "    (no frame of the course's files: the crash happened inside a library)\n";
  return site;
}

}  // namespace lunch::runner
