// CLI11 behind lunch::demo_cli, compiled once for every demo.
#include "lunch/demo.hpp"

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lunch {

namespace {

// Whether the trace could be written to `path`: "" if so, else the reason.
// The file is opened for real, so every cause (no such folder, no
// permission, a read-only file system, a folder of that name) shows up.
// Nothing is lost or left behind: an existing file is not truncated (its old
// content stays until the new trace is ready), a new one is removed again.
std::string cannot_write(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return "it is a directory";
    // O_NONBLOCK: a FIFO without a reader must not hang the demo here.
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return std::strerror(errno);
    ::close(fd);
    return "";
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(path.c_str());
  return "";
}

// A whole number from MIN to MAX. CLI11's own Range says "Value abc not in
// range" for a word, which sends the presenter looking at the wrong thing.
CLI::Validator whole_number(int min, int max) {
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || errno != 0)
          return "'" + text + "' is not a whole number (give " + range + ")";
        if (v < min || v > max) return "'" + text + "' is out of range (give " + range + ")";
        return {};
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]");
}

}  // namespace

struct demo_cli::impl {
  std::string name;
  CLI::App app;
  impl(std::string n, const std::string& description)
      : name(std::move(n)), app(description, "demo " + name) {}
};

demo_cli::demo_cli(std::string name, std::string description)
    : impl_(std::make_unique<impl>(std::move(name), description)) {
  impl_->app.add_flag("--smoke", smoke_, "smallest settings, for the test suite");
}

demo_cli::~demo_cli() {
  if (trace_stdout_ >= 0) ::close(trace_stdout_);
}

const std::string& demo_cli::name() const { return impl_->name; }

demo_cli& demo_cli::option(const std::string& flag, int& value,
                           const std::string& help, int min, int max) {
  impl_->app.add_option(flag, value, help)
      ->capture_default_str()
      ->check(whole_number(min, max));
  return *this;
}

demo_cli& demo_cli::option(const std::string& flag,
                           std::chrono::milliseconds& value,
                           const std::string& help, int min_ms, int max_ms) {
  // Parsed as a plain number of milliseconds: "--latency 50".
  impl_->app
      .add_option_function<int>(
          flag, [&value](int ms) { value = std::chrono::milliseconds(ms); },
          help + " (ms)")
      ->default_str(std::to_string(value.count()))
      ->check(whole_number(min_ms, max_ms))
      ->type_name("MS");
  return *this;
}

demo_cli& demo_cli::option(const std::string& flag, std::string& value,
                           const std::string& help) {
  impl_->app.add_option(flag, value, help)->capture_default_str();
  return *this;
}

demo_cli& demo_cli::flag(const std::string& flag, bool& value,
                         const std::string& help) {
  impl_->app.add_flag(flag, value, help);
  return *this;
}

demo_cli& demo_cli::offer_timeline() {
  if (offers_timeline_) return *this;
  offers_timeline_ = true;
  auto& app = impl_->app;
  app.add_flag("--timeline", timeline_,
               "draw what ran when, as a timeline in the terminal");
  app.add_option("--trace", trace_file_,
                 "write a Chrome trace (open in ui.perfetto.dev); - for stdout")
      ->type_name("FILE");
  return *this;
}

void demo_cli::parse(int argc, char** argv) {
  auto fail = [this](const std::string& message) {
    std::fprintf(stderr, "demo %s: %s\n", impl_->name.c_str(), message.c_str());
    std::exit(2);
  };
  if (!offers_timeline_) {
    // CLI11 would say "The following arguments were not expected: FILE
    // --trace"; a presenter who reached for the flag deserves the reason.
    // (With --help anywhere, the help wins, as CLI11 has it.)
    std::string refused;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        refused.clear();
        break;
      }
      for (const char* flag : {"--timeline", "--trace"})
        if (refused.empty() && (arg == flag || arg.rfind(std::string(flag) + "=", 0) == 0))
          refused = flag;
    }
    if (!refused.empty())
      fail(refused + ": this demo records no timeline, so it has no " + refused);
  }
  try {
    impl_->app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(impl_->app.help().c_str(), stdout);
    std::exit(0);
  } catch (const CLI::ParseError& e) {
    fail(e.what());
  }

  if (!offers_timeline_ || impl_->app.count("--trace") == 0) return;
  if (trace_file_.empty()) fail("--trace: needs a file name, or - for standard output");
  if (trace_file_ != "-") {
    if (const auto why = cannot_write(trace_file_); !why.empty())
      fail("--trace: cannot write " + trace_file_ + ": " + why);
    return;
  }
  // --trace -: keep the real stdout for the JSON alone, and send the rest
  // of what the demo prints (its figures, the timeline) to stderr, where a
  // person still sees it when stdout goes into a file or a pipe.
  std::fflush(stdout);
  trace_stdout_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (trace_stdout_ < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
    fail(std::string("--trace -: cannot redirect standard output: ") + std::strerror(errno));
  // Line-buffered like a terminal, so the lines keep their order with
  // what goes to stderr directly.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
}

}  // namespace lunch
