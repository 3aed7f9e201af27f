#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace lunch::runner {

// argv for exec*(): pointers into `args`, which must outlive them.
static std::vector<char*> c_args(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

process_result run_process(const std::vector<std::string>& argv,
                           const process_options& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  process_result result;

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

  const pid_t pid = fork();
  if (pid < 0) {
    result.output = std::string("cannot fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return result;
  }
  if (pid == 0) {
    // Child: its own process group, so a timeout can stop everything it
    // started (ninja's compilers, a test's threads) with one kill().
    setpgid(0, 0);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(127);
    execvpe(c_argv[0], c_argv.data(), c_env.data());
    const char* msg = "cannot start ";
    (void)!write(STDERR_FILENO, msg, std::strlen(msg));
    (void)!write(STDERR_FILENO, c_argv[0], std::strlen(c_argv[0]));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
  }
  setpgid(pid, pid);
  close(fds[1]);

  const auto deadline = start + options.limit;
  std::string pending_line;
  bool truncated = false;
  char buf[8192];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue;
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child (and its children) closed the pipe
    if (result.output.size() < options.max_output) {
      result.output.append(buf, static_cast<std::size_t>(n));
    } else {
      truncated = true;
    }
    if (options.on_line) {
      pending_line.append(buf, static_cast<std::size_t>(n));
      std::size_t pos;
      while ((pos = pending_line.find('\n')) != std::string::npos) {
        options.on_line(pending_line.substr(0, pos));
        pending_line.erase(0, pos + 1);
      }
    }
  }
  close(fds[0]);
  if (options.on_line && !pending_line.empty()) options.on_line(pending_line);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // Grandchildren left behind by a crashed child must not outlive us.
  kill(-pid, SIGKILL);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !result.timed_out) result.signal = WTERMSIG(status);
  if (truncated) result.output += "\n[... output cut: too long ...]\n";
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

}  // namespace lunch::runner

namespace lunch::runner {
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
