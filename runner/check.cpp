#include "check.hpp"

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "lunch/protocol.hpp"
#include "build.hpp"
#include "crash.hpp"
#include "process.hpp"
#include "ui.hpp"

namespace lunch::runner {
namespace {

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

bool starts_with(const std::string& s, std::string_view head) {
  return s.compare(0, head.size(), head) == 0;
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
    if (starts_with(l, protocol::passed_prefix)) {
      if (inside) break;
      ++*passed;
      continue;
    }
    if (starts_with(l, protocol::failed_prefix)) {
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

namespace {

// Keeps the whole compiler output where the learner can read it, and says
// where: the verdict shows only the first error.
std::string save_log(const course& c, const exercise& e, const std::string& text) {
  const fs::path dir = c.build / "lunch-logs";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path log = dir / (e.name + ".compile.log");
  std::ofstream out(log, std::ios::binary);
  out << text;
  if (!out) return "";
  return log.lexically_proximate(c.root).string();
}

// Step 1: compile the test against the learner's file. True when it built.
bool build_step(const course& c, const exercise& e, verdict& v) {
  std::string output;
  if (build(c, {c.target_path(e.binary)}, e.name + "'s test", &output, &v.build_seconds))
    return true;
  const bool compiler_ran = output.find("error:") != std::string::npos;
  v.result = compiler_ran ? outcome::compile_error : outcome::broken;
  if (compiler_ran && !fs::exists(c.root / e.file)) {
    v.headline = e.file + " is missing";
    v.details = "  The exercise file is gone. ./lunch reset " + e.name +
                " brings it back as shipped.\n";
    return false;
  }
  v.headline = compiler_ran ? e.file + " does not compile"
                            : "the build failed before compiling " + e.file;
  v.details = compiler_ran ? first_error(output, e.file) : tail_lines(output, 20);
  if (const std::string log = save_log(c, e, output); !log.empty())
    v.details += "\n  (the compiler's whole output: " + log + ")\n";
  return false;
}

// What the test program said while dying (std::terminate's message, an
// assertion, a sanitizer's report): its last lines, less the reporter's own
// lines, which the verdict shows already.
std::string last_words(const std::string& output, const std::string& shown) {
  static const std::regex summary(R"(^\d+ passed, \d+ failed$)");
  const auto ls = lines_of(output);
  std::string out;
  for (std::size_t i = ls.size() > 12 ? ls.size() - 12 : 0; i < ls.size(); ++i) {
    const std::string& l = ls[i];
    if (l.empty() || std::regex_match(l, summary) || starts_with(l, protocol::passed_prefix) ||
        shown.find(l) != std::string::npos)
      continue;
    out += "    " + l + "\n";
  }
  return out;
}

// Step 3, for a crash: where it happened, from a second run under gdb.
void add_crash_location(const course& c, const exercise& e, verdict& v) {
  if (!in_path("gdb")) {
    v.details += "\n  To see the file and line of a crash, install gdb "
                 "(scripts/install-deps.sh installs it).\n";
    return;
  }
  const crash_site site = locate_crash(e.binary, c.root.string(), e.file);
  if (!site.crashed_again) {
    v.details += "\n  (Run again under gdb to find the line, it did not crash: "
                 "a crash that comes and goes is often a race or a dangling "
                 "reference.)\n";
    return;
  }
  v.details += "\n  Where (innermost first):\n" + site.frames;
}

// "stack-use-after-return" from "==1==ERROR: AddressSanitizer: stack-use-after-return on ...".
std::string sanitizer_error_kind(const std::string& output, std::size_t at) {
  const std::size_t from = at + std::string("ERROR: AddressSanitizer: ").size();
  const std::size_t end = output.find_first_of(" \n", from);
  return output.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

// What to show of an AddressSanitizer report: the test's own summary of it
// when it printed one ("lunch: AddressSanitizer ..."), else the report's
// first lines: the bad access and the frames that made it. The shadow-byte
// map at its end means little to a learner.
std::string sanitizer_details(const std::string& output, std::size_t at) {
  std::string out;
  if (const auto own = output.find("lunch: AddressSanitizer"); own != std::string::npos) {
    for (const auto& l : lines_of(output.substr(own))) {
      if (l.empty() || starts_with(l, "==")) break;
      out += "    " + l + "\n";
    }
    return out;
  }
  const auto ls = lines_of(output.substr(at));
  for (std::size_t i = 0; i < ls.size() && i < 16; ++i) out += "    " + ls[i] + "\n";
  return out + "    (the whole report: run the test program alone)\n";
}

// Step 2's outcome: the exit status and output, read as a verdict.
void classify(const exercise& e, const process_result& r, verdict& v) {
  const std::string failure = first_failure(r.output, &v.checks_passed);
  if (r.ok()) {
    v.result = outcome::passed;
    v.headline = e.name + " passes all its checks";
  } else if (r.output.find("std::bad_alloc") != std::string::npos) {
    v.result = failure.empty() ? outcome::crashed : outcome::failed;
    v.headline = e.name + "'s test used too much memory (a check may use at most 4 GiB): "
                          "an allocation failed with std::bad_alloc";
    v.details = failure.empty() ? tail_lines(r.output, 12) : failure;
  } else if (r.timed_out) {
    v.result = outcome::hung;
    v.headline = e.name + "'s test did not finish within 90 s and was stopped: "
                          "an endless loop or a deadlock";
    v.details = tail_lines(r.output, 12);
  } else if (const auto at = r.output.find(protocol::watchdog_prefix);
             r.exit_code == protocol::deadline_exit_status && at != std::string::npos) {
    v.result = outcome::hung;
    v.headline = e.name + " hung: the deadline passed with work still pending";
    v.details = failure + r.output.substr(at);
  } else if (r.signal != 0) {
    v.result = outcome::crashed;
    v.headline = e.name + "'s test crashed with " + describe_signal(r.signal);
    if (const auto at = r.output.find(protocol::terminate_prefix); at != std::string::npos) {
      const auto end = r.output.find('\n', at);
      v.headline = e.name + "'s test was ended by std::terminate: " +
                   r.output.substr(at + protocol::terminate_prefix.size(),
                                   end == std::string::npos ? end : end - at -
                                       protocol::terminate_prefix.size());
    }
    v.details = failure;
    if (const std::string words = last_words(r.output, failure); !words.empty())
      v.details += (failure.empty() ? "" : "\n") + std::string("  Its last output:\n") + words;
  } else if (const auto at = r.output.find("ERROR: AddressSanitizer: "); at != std::string::npos) {
    v.result = outcome::crashed;
    v.headline = e.name + "'s test made a memory error, caught by AddressSanitizer: " +
                 sanitizer_error_kind(r.output, at);
    v.details = sanitizer_details(r.output, at);
  } else if (failure.find(protocol::deadline_phrase) != std::string::npos) {
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
}

}  // namespace

verdict check(const course& c, const exercise& e) {
  verdict v;
  if (!build_step(c, e, v)) return v;

  process_options opt;
  // The test's own watchdog reports a hang after a few seconds; this limit
  // is only the backstop for a program that defeats it.
  opt.limit = std::chrono::seconds(90);
  opt.cwd = c.root.string();
  // A runaway allocation fails as std::bad_alloc here instead of pushing the
  // whole machine into swap or the OOM killer. Not under a sanitizer: its
  // shadow memory reserves terabytes of address space (never touched).
  if (e.sanitize.empty()) opt.memory_limit = std::size_t{4} << 30;
  const auto r = run_process({e.binary, std::string(protocol::first_failure_flag)}, opt);
  v.run_seconds = r.seconds;
  classify(e, r, v);
  if (v.result == outcome::crashed && r.signal != 0) add_crash_location(c, e, v);
  return v;
}

}  // namespace lunch::runner
