// The half of test_dangling.cpp that does not depend on the exercise: the
// summary of AddressSanitizer's report, compiled once with the course (and
// without ASan, which it does not need: it only reads text).
#include "test_dangling_harness.hpp"

#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>

namespace {

// The first frame under `from` that is in the course's own files.
std::string our_frame(const std::string& report, std::size_t from) {
  std::istringstream in(report.substr(from));
  for (std::string line; std::getline(in, line);) {
    const auto in_at = line.find(" in ");
    if (line.find(" #") == std::string::npos || in_at == std::string::npos ||
        line.find("+0x") != std::string::npos)  // no file and line known
      continue;
    for (const char* dir : {"exercises/", "solutions/", "tests/"})
      if (const auto at = line.rfind(dir); at != std::string::npos) {
        std::string func = line.substr(in_at + 4, line.rfind(' ') - in_at - 4);
        if (func.size() > 40) func = func.substr(0, 37) + "...";
        return func + " at " + line.substr(at);
      }
  }
  return "(not in the course's files)";
}

}  // namespace

namespace dangling_harness {

void summarise(const char* report) {
  const std::string r = report;
  auto after = [&](const std::string& key) {
    const auto at = r.find(key);
    return at == std::string::npos ? std::string::npos : at + key.size();
  };
  const auto kind = after("AddressSanitizer: ");
  std::string out = "\nlunch: AddressSanitizer stopped the test: " +
                    r.substr(kind, r.find(' ', kind) - kind) + "\n";
  out += "  the bad access:  " + our_frame(r, 0) + "\n";
  if (auto f = after("freed by thread"); f != std::string::npos)
    out += "  freed by:        " + our_frame(r, f) + "\n";
  if (auto f = after("is located in stack of thread"); f != std::string::npos) {
    out += "  it was a local:  " + our_frame(r, f);
    if (auto v = r.find("<== Memory access"); v != std::string::npos) {
      const auto start = r.rfind('\'', r.rfind('\'', v) - 1);
      out += ", " + r.substr(start, r.find(')', start) - start + 1);
    }
    out += ", in a function that had returned\n";
  }
  char exe[512] = {};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) exe[0] = 0;
  out += std::string("  (the whole report: run ") + exe + " alone)\n";
  std::fputs(out.c_str(), stderr);
}

}  // namespace dangling_harness
