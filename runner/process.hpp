// Running other programs: the build (ninja), test programs, demos.
//
// A learner's test program may crash, hang or print megabytes; none of that
// may take the runner down with it. Every child runs in its own process
// group with a time limit, and its output is captured through a pipe.
#pragma once

#include <chrono>
#include <functional>
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
  // Keep at most this much output (the tail is dropped, and said so).
  std::size_t max_output = 4 << 20;
};

// Runs argv[0] (looked up in PATH) and waits for it, or for the limit.
process_result run_process(const std::vector<std::string>& argv,
                           const process_options& options = {});

// Replaces the runner with argv (for demos: they own the terminal).
// Returns only on failure, with errno's message.
std::string exec_process(const std::vector<std::string>& argv);

// A readable name for a signal: "SIGSEGV (segmentation fault)".
std::string describe_signal(int sig);

// True when `name` is found in PATH.
bool in_path(const std::string& name);

}  // namespace lunch::runner

namespace lunch::runner {
// Runs argv with the runner's own terminal (stdin, stdout, stderr) and waits.
// Returns the exit status, or 128 + signal number.
int run_foreground(const std::vector<std::string>& argv);
}  // namespace lunch::runner
