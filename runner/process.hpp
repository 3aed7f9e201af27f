// Running other programs: the build (ninja), test programs, demos.
//
// A learner's test program may crash, hang, fork, eat memory or print
// megabytes; none of that may take the runner down with it or outlive it.
// Every child runs in its own process group with a time limit, its output
// is captured through a pipe, and whatever it leaves behind is killed.
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lunch::runner {

struct process_result {
  int exit_code = -1;     // when it exited normally
  int signal = 0;         // when a signal ended it
  bool timed_out = false; // when we had to stop it
  std::string output;     // stdout and stderr, interleaved as written
  double seconds = 0;

  bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
};

struct process_options {
  std::chrono::milliseconds limit = std::chrono::minutes(10);
  std::string cwd;  // empty: the runner's own
  // Called with each complete line of output as it arrives (for progress).
  std::function<void(const std::string&)> on_line;
  // Extra environment entries, "NAME=value".
  std::vector<std::string> env;
  // Keep at most this much output: its first and its last half (a failure
  // report is usually at the end), with a note where the middle was cut.
  std::size_t max_output = 4 << 20;
  // The child's address-space limit in bytes (RLIMIT_AS); 0 = none.
  std::size_t memory_limit = 0;
};

// Thrown by run_process when the runner got SIGINT or SIGTERM (Ctrl-C)
// while a child ran: the child's process group has been stopped and waited
// for before this is thrown. main() exits with 128 + signal().
class interrupted : public std::runtime_error {
 public:
  explicit interrupted(int sig);
  int signal() const { return sig_; }

 private:
  int sig_;
};

// Runs argv[0] (looked up in PATH) and waits for it, or for the limit.
process_result run_process(const std::vector<std::string>& argv,
                           const process_options& options = {});

// Replaces the runner with argv (for demos: they own the terminal).
// Returns only on failure, with errno's message.
std::string exec_process(const std::vector<std::string>& argv);

// Runs argv with the runner's own terminal (stdin, stdout, stderr) and waits.
// Returns the exit status, or 128 + signal number.
int run_foreground(const std::vector<std::string>& argv);

// A readable name for a signal: "SIGSEGV (segmentation fault)".
std::string describe_signal(int sig);

// True when `name` is found in PATH.
bool in_path(const std::string& name);

}  // namespace lunch::runner
