#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

extern char** environ;

namespace lunch::runner {

// argv for exec*(): pointers into `args`, which must outlive them.
static std::vector<char*> c_args(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

interrupted::interrupted(int sig)
    : std::runtime_error(std::string("interrupted by ") + strsignal(sig)), sig_(sig) {}

namespace {

// Set by the SIGINT/SIGTERM handler while a child runs.
volatile std::sig_atomic_t got_signal = 0;
extern "C" void note_signal(int sig) { got_signal = sig; }

// Installs note_signal for SIGINT and SIGTERM while it lives, so Ctrl-C
// stops the child first instead of leaving it orphaned.
class signal_guard {
 public:
  signal_guard() {
    got_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = note_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~signal_guard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  signal_guard(const signal_guard&) = delete;
  signal_guard& operator=(const signal_guard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// The output kept so far: the head, and a rolling tail once over the cap.
class capped_output {
 public:
  explicit capped_output(std::size_t cap) : half_(cap / 2) {}
  void append(const char* data, std::size_t n) {
    if (head_.size() < half_) {
      const std::size_t take = std::min(n, half_ - head_.size());
      head_.append(data, take);
      data += take;
      n -= take;
    }
    if (n == 0) return;
    tail_.append(data, n);
    if (tail_.size() > 2 * half_) {
      cut_ += tail_.size() - half_;
      tail_.erase(0, tail_.size() - half_);
    }
  }
  std::string str() const {
    if (cut_ == 0 && tail_.size() <= half_) return head_ + tail_;
    std::size_t cut = cut_, keep = tail_.size();
    if (keep > half_) {
      cut += keep - half_;
      keep = half_;
    }
    return head_ + "\n[... " + std::to_string(cut) + " bytes of output cut here ...]\n" +
           tail_.substr(tail_.size() - keep);
  }

 private:
  std::size_t half_;
  std::string head_, tail_;
  std::size_t cut_ = 0;
};

// The child's side of the fork: its own process group, the pipe as stdout
// and stderr, no stdin, the limits, then exec. Never returns.
[[noreturn]] void become_child(int out_fd, char* const argv[], char* const envp[],
                               const process_options& options) {
  setpgid(0, 0);
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  if (options.memory_limit > 0) {
    const rlimit lim{options.memory_limit, options.memory_limit};
    setrlimit(RLIMIT_AS, &lim);
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(127);
  execvpe(argv[0], argv, envp);
  const char* msg = "cannot start ";
  (void)!write(STDERR_FILENO, msg, std::strlen(msg));
  (void)!write(STDERR_FILENO, argv[0], std::strlen(argv[0]));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(127);
}

// Kills every process the child left behind: its process group, and (as
// this process is their subreaper) any that moved to a session of their own.
void kill_leftovers(pid_t group) {
  kill(-group, SIGKILL);
  for (int round = 0; round < 8; ++round) {
    bool any = false;
    std::ifstream children("/proc/self/task/" + std::to_string(getpid()) + "/children");
    for (pid_t p; children >> p;) {
      kill(p, SIGKILL);
      any = true;
    }
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (!any) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Hands complete lines to options.on_line as they arrive.
class line_splitter {
 public:
  explicit line_splitter(const std::function<void(const std::string&)>& f) : f_(f) {}
  void feed(const char* data, std::size_t n) {
    if (!f_) return;
    pending_.append(data, n);
    for (std::size_t pos; (pos = pending_.find('\n')) != std::string::npos;) {
      f_(pending_.substr(0, pos));
      pending_.erase(0, pos + 1);
    }
  }
  void flush() {
    if (f_ && !pending_.empty()) f_(pending_);
    pending_.clear();
  }

 private:
  const std::function<void(const std::string&)>& f_;
  std::string pending_;
};

}  // namespace

process_result run_process(const std::vector<std::string>& argv,
                           const process_options& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  process_result result;

  // Orphans of the child (a test that forks, or calls setsid) become ours,
  // not init's, so that kill_leftovers can find them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    result.output = std::string("cannot create a pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& e : options.env) env_strings.push_back(e);
  auto c_argv = c_args(args);
  auto c_env = c_args(env_strings);

  signal_guard on_ctrl_c;
  const pid_t pid = fork();
  if (pid < 0) {
    result.output = std::string("cannot fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return result;
  }
  if (pid == 0) become_child(fds[1], c_argv.data(), c_env.data(), options);
  setpgid(pid, pid);
  close(fds[1]);

  // Read until the child itself has exited (not until the pipe closes: a
  // process it forked may hold the pipe open forever), the limit passes, or
  // Ctrl-C arrives.
  const auto deadline = start + options.limit;
  capped_output output(options.max_output);
  line_splitter lines(options.on_line);
  int status = 0;
  bool exited = false, pipe_open = true;
  auto drain = [&](int wait_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (!pipe_open || poll(&p, 1, wait_ms) <= 0) return false;
    char buf[8192];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      pipe_open = n < 0 && errno == EINTR;
      return pipe_open;
    }
    output.append(buf, static_cast<std::size_t>(n));
    lines.feed(buf, static_cast<std::size_t>(n));
    return true;
  };
  while (!exited) {
    if (got_signal) break;
    if (clock::now() >= deadline) {
      result.timed_out = true;
      break;
    }
    if (!drain(pipe_open ? 100 : 0) && !pipe_open)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    exited = waitpid(pid, &status, WNOHANG) == pid;
  }
  if (!exited) {
    // Stopped by us: the limit, or Ctrl-C (a gentle SIGINT first).
    if (got_signal) {
      kill(-pid, SIGINT);
      for (int i = 0; i < 20 && waitpid(pid, &status, WNOHANG) != pid; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // What it wrote just before it ended, without waiting on its leftovers.
  const auto grace = clock::now() + std::chrono::milliseconds(200);
  while (clock::now() < grace && drain(20)) {
  }
  close(fds[0]);
  lines.flush();
  kill_leftovers(pid);

  if (got_signal) throw interrupted(got_signal);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !result.timed_out) result.signal = WTERMSIG(status);
  result.output = output.str();
  result.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return result;
}

std::string exec_process(const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  auto c_argv = c_args(args);
  execvp(c_argv[0], c_argv.data());
  return std::strerror(errno);
}

std::string describe_signal(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault: a bad pointer or a dangling reference)";
    case SIGABRT: return "SIGABRT (abort(): std::terminate, a failed assert, or an exception nobody caught)";
    case SIGBUS: return "SIGBUS (bad memory access)";
    case SIGFPE: return "SIGFPE (arithmetic error, such as a division by zero)";
    case SIGILL: return "SIGILL (illegal instruction: often undefined behaviour)";
    case SIGKILL: return "SIGKILL (killed)";
    case SIGTERM: return "SIGTERM (terminated)";
    case SIGPIPE: return "SIGPIPE (wrote to a closed pipe or socket)";
    default: return std::string("signal ") + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
}

bool in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string p = path;
  std::size_t start = 0;
  while (start <= p.size()) {
    const auto end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string full = (dir.empty() ? "." : dir) + "/" + name;
    if (access(full.c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

int run_foreground(const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  auto c_argv = c_args(args);
  const pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    execvp(c_argv[0], c_argv.data());
    std::fprintf(stderr, "cannot start %s: %s\n", c_argv[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
}  // namespace lunch::runner
