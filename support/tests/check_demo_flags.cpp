// check_demo_flags DEMO: proves that a demo honours --trace and --timeline,
// or does not offer them.
//
// A demo that accepts a flag and then silently does nothing with it leaves
// a presenter staring at an empty file or an empty terminal. So, from the
// outside, as a presenter would run it:
//   - `DEMO --help` offers --trace and --timeline together, or neither;
//   - if it offers them:
//       `--smoke --trace FILE` writes FILE: Chrome Trace Event JSON (an
//         object with "traceEvents", or a bare array) with at least one
//         event that is not metadata;
//       `--smoke --trace -` writes that JSON to stdout, and nothing else
//         there (no file named "-" either);
//       `--smoke --timeline` prints a timeline with at least one span;
//       `--trace` into a folder that does not exist fails at once, before
//         the demo runs: exit status 2, one line on stderr, nothing on
//         stdout;
//   - if it does not: --trace and --timeline are refused with exit status 2.
// Every run has a time limit; a demo still running after it is killed.
//
// No Asio here: the demo is a child process (fork and exec), and its trace
// is parsed with nlohmann::json. Exit status: 0 all checks passed, 1 some
// failed (each failure says what and shows what the demo printed), 2 usage.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// ---------------------------------------------------------------- running

struct outcome {
  int status = -1;  // the exit status, or 128 + the signal
  bool timed_out = false;
  std::string out, err;
  double seconds = 0;
};

// Runs `args` in `cwd` with stdin from /dev/null, collecting stdout and
// stderr, for at most `limit`; then kills its whole process group.
outcome run(const std::vector<std::string>& args, const fs::path& cwd,
            std::chrono::seconds limit) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    std::perror("check_demo_flags: pipe");
    std::exit(2);
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("check_demo_flags: fork");
    std::exit(2);
  }
  if (pid == 0) {
    // Its own process group, so that a timeout also ends whatever it forked.
    ::setpgid(0, 0);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0 || ::dup2(out_pipe[1], STDOUT_FILENO) < 0 ||
        ::dup2(err_pipe[1], STDERR_FILENO) < 0 || ::chdir(cwd.c_str()) != 0)
      ::_exit(126);
    ::execv(argv[0], argv.data());
    const std::string why =
        std::string("cannot run ") + argv[0] + ": " + std::strerror(errno) + "\n";
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, why.data(), why.size());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: whichever runs first
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  outcome o;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&o.out, &o.err};
  const auto deadline = started + limit;
  int open_pipes = 2;
  while (open_pipes > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) {
      o.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;  // poll() ignores negative descriptors
        --open_pipes;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return o;
}

// ---------------------------------------------------------------- reporting

int failures = 0;

// The end of what a run printed, indented, for a failure message.
std::string tail(const std::string& text, std::size_t max_chars = 1500) {
  if (text.empty()) return "        (nothing)\n";
  std::string t = text.size() > max_chars ? "..." + text.substr(text.size() - max_chars) : text;
  std::string out = "        ";
  for (char c : t) {
    out += c;
    if (c == '\n') out += "        ";
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out + "\n";
}

void pass(const std::string& what) { std::printf("ok    %s\n", what.c_str()); }

void fail(const std::string& what, const std::string& why, const outcome* o = nullptr) {
  ++failures;
  std::printf("FAIL  %s\n      %s\n", what.c_str(), why.c_str());
  if (o) {
    std::printf("      exit status %d%s after %.1f s; stdout:\n%s      stderr:\n%s", o->status,
                o->timed_out ? " (killed: over the time limit)" : "", o->seconds,
                tail(o->out).c_str(), tail(o->err).c_str());
  }
}

std::string quote(const std::vector<std::string>& args) {
  std::string s = fs::path(args[0]).filename().string();
  for (std::size_t i = 1; i < args.size(); ++i) s += " " + args[i];
  return s;
}

// ---------------------------------------------------------------- checking

// Whether the help lists `flag` as one of its options: a line whose first
// word is the flag (CLI11 writes "  --trace FILE   write a ...").
bool offers(const std::string& help, const std::string& flag) {
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == flag || first.rfind(flag + "=", 0) == 0 || first == flag + ",") return true;
  }
  return false;
}

// "" when `text` is a Chrome trace with at least one event that is not
// metadata; else what is wrong with it.
std::string trace_problem(const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return std::string("not valid JSON: ") + e.what();
  }
  const json* events = nullptr;
  if (doc.is_array())
    events = &doc;
  else if (doc.is_object() && doc.contains("traceEvents") && doc["traceEvents"].is_array())
    events = &doc["traceEvents"];
  else
    return "neither an array of events nor an object with a \"traceEvents\" array";

  std::size_t real = 0;
  for (std::size_t i = 0; i < events->size(); ++i) {
    const json& e = (*events)[i];
    const std::string at = "event " + std::to_string(i) + " (" + e.dump().substr(0, 120) + ")";
    if (!e.is_object() || !e.contains("ph") || !e["ph"].is_string())
      return at + " has no \"ph\" (phase) string";
    const std::string ph = e["ph"];
    if (ph == "M") continue;  // metadata: names of the process and tracks
    ++real;
    if (!e.contains("name") || !e["name"].is_string()) return at + " has no \"name\" string";
    if (!e.contains("ts") || !e["ts"].is_number()) return at + " has no numeric \"ts\"";
    if (ph == "X" && (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0))
      return at + " is a complete event (\"X\") without a duration >= 0";
  }
  if (real == 0)
    return "no event besides metadata (" + std::to_string(events->size()) +
           " metadata events): the demo recorded no span";
  return "";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool count_lines(const std::string& s, std::size_t& n) {
  n = 0;
  std::istringstream lines(s);
  for (std::string line; std::getline(lines, line);) n += !line.empty();
  return n > 0;
}

// The demo offers the flags: they must work.
void check_offered(const std::string& demo, const fs::path& dir) {
  const std::chrono::seconds limit = 60s;
  {
    const fs::path file = dir / "trace.json";
    const std::vector<std::string> args{demo, "--smoke", "--trace", file.string()};
    const auto what = quote(args) + " writes a Chrome trace";
    const auto o = run(args, dir, limit);
    if (o.status != 0) {
      fail(what, "the demo did not succeed", &o);
    } else if (!fs::exists(file)) {
      fail(what, "it accepted --trace but wrote no file " + file.string(), &o);
    } else if (const auto problem = trace_problem(read_file(file)); !problem.empty()) {
      fail(what, "the file is not a usable trace: " + problem, &o);
    } else {
      pass(what);
    }
  }
  {
    const fs::path cwd = dir / "dash";
    fs::create_directory(cwd);
    const std::vector<std::string> args{demo, "--smoke", "--trace", "-"};
    const auto what = quote(args) + " writes the trace to stdout, and only it";
    const auto o = run(args, cwd, limit);
    if (o.status != 0) {
      fail(what, "the demo did not succeed", &o);
    } else if (fs::exists(cwd / "-")) {
      fail(what, "it created a file named \"-\" instead of writing to stdout", &o);
    } else if (const auto problem = trace_problem(o.out); !problem.empty()) {
      fail(what, "stdout is not a usable trace: " + problem, &o);
    } else {
      pass(what);
    }
  }
  {
    const std::vector<std::string> args{demo, "--smoke", "--timeline"};
    const auto what = quote(args) + " prints a timeline";
    const auto o = run(args, dir, limit);
    // The renderer's title ("timeline: 6 spans, ...") and its legend.
    std::size_t spans = 0;
    const auto title = o.out.find("timeline: ");
    if (title != std::string::npos) spans = std::strtoul(o.out.c_str() + title + 10, nullptr, 10);
    if (o.status != 0)
      fail(what, "the demo did not succeed", &o);
    else if (title == std::string::npos || o.out.find("legend:", title) == std::string::npos)
      fail(what, "it accepted --timeline but printed no timeline (no title and legend)", &o);
    else if (spans == 0)
      fail(what, "the timeline it printed has no span", &o);
    else
      pass(what);
  }
  {
    const fs::path file = dir / "no such folder" / "trace.json";
    const std::vector<std::string> args{demo, "--smoke", "--trace", file.string()};
    const auto what = quote(args) + " fails at once";
    const auto o = run(args, dir, 10s);
    std::size_t lines = 0;
    if (o.status != 2)
      fail(what, "an unwritable --trace path must end the demo with status 2", &o);
    else if (!o.out.empty())
      fail(what, "the demo ran (it printed on stdout) before refusing the --trace path", &o);
    else if (!count_lines(o.err, lines) || lines != 1)
      fail(what, "expected one line on stderr saying why, got " + std::to_string(lines), &o);
    else
      pass(what);
  }
}

// The demo does not offer the flags: they must be refused, not ignored.
void check_refused(const std::string& demo, const fs::path& dir) {
  for (const char* flag : {"--trace", "--timeline"}) {
    std::vector<std::string> args{demo, "--smoke", flag};
    if (std::string(flag) == "--trace") args.push_back((dir / "trace.json").string());
    const auto what = quote(args) + " is refused (the help does not offer " + flag + ")";
    const auto o = run(args, dir, 60s);
    if (o.status != 2)
      fail(what, std::string("a flag the demo does not honour must be refused with status 2"), &o);
    else if (fs::exists(dir / "trace.json"))
      fail(what, "it refused --trace but still wrote the file", &o);
    else
      pass(what);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: check_demo_flags DEMO\n");
    return 2;
  }
  const std::string demo = fs::absolute(argv[1]).string();

  std::string dir_template = (fs::temp_directory_path() / "lunch-demo-flags-XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) {
    std::perror("check_demo_flags: mkdtemp");
    return 2;
  }
  const fs::path dir = dir_template;

  const std::vector<std::string> help_args{demo, "--help"};
  const auto help = run(help_args, dir, 30s);
  if (help.status != 0) {
    fail(quote(help_args), "--help must print the options and exit 0", &help);
  } else {
    const bool trace = offers(help.out, "--trace"), timeline = offers(help.out, "--timeline");
    if (trace != timeline) {
      fail(quote(help_args),
           std::string("--trace and --timeline go together (lunch::demo_cli::offer_timeline), "
                       "but the help offers only ") + (trace ? "--trace" : "--timeline"),
           &help);
    } else if (trace) {
      pass("the help offers --trace and --timeline");
      check_offered(demo, dir);
    } else {
      pass("the help offers neither --trace nor --timeline");
      check_refused(demo, dir);
    }
  }

  std::error_code ignored;
  fs::remove_all(dir, ignored);
  if (failures) std::printf("%d check%s failed\n", failures, failures == 1 ? "" : "s");
  return failures ? 1 : 0;
}
