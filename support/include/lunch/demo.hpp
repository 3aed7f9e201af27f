// lunch/demo.hpp: the command line every demo shares.
//
// Demos take a few numbers (how many tasks, how much latency, how many
// threads) and a couple of common switches. Parsing goes through CLI11, kept
// out of this header so that each demo compiles quickly.
//
//   int main(int argc, char** argv) {
//     lunch::demo_cli cli("sequential", "awaits in a row add up");
//     int tasks = 3;
//     cli.option("--tasks", tasks, "how many sleeps", 1, 1000);
//     cli.parse(argc, argv);        // exits 0 on --help, 2 on bad input
//     ...
//   }
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace lunch {

class demo_cli {
 public:
  demo_cli(std::string name, std::string description);
  ~demo_cli();
  demo_cli(const demo_cli&) = delete;
  demo_cli& operator=(const demo_cli&) = delete;

  // An integer option checked against [min, max].
  demo_cli& option(const std::string& flag, int& value, const std::string& help,
                   int min, int max);
  // A duration in milliseconds, checked against [min, max] milliseconds.
  demo_cli& option(const std::string& flag, std::chrono::milliseconds& value,
                   const std::string& help, int min_ms, int max_ms);
  demo_cli& option(const std::string& flag, std::string& value,
                   const std::string& help);
  demo_cli& flag(const std::string& flag, bool& value, const std::string& help);

  // Parses the command line. --help prints the help and exits 0; a bad flag
  // or value prints one line ("demo sequential: --tasks: ...") and exits 2.
  void parse(int argc, char** argv);

  // --smoke: the test suite runs every demo with this, to prove it still
  // works; a demo picks its smallest meaningful settings.
  bool smoke() const { return smoke_; }
  // --timeline: draw the recorded spans in the terminal when done.
  bool timeline() const { return timeline_; }
  // --trace FILE: write the spans as Chrome Trace Event JSON.
  const std::string& trace_file() const { return trace_file_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  bool smoke_ = false;
  bool timeline_ = false;
  std::string trace_file_;
};

}  // namespace lunch
