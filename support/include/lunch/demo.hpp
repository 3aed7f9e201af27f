// lunch/demo.hpp: the command line every demo shares.
//
// Demos take a few numbers (how many tasks, how much latency, how many
// threads) and a couple of common switches. Parsing goes through CLI11, kept
// out of this header so that each demo compiles quickly.
//
//   int main(int argc, char** argv) {
//     lunch::demo_cli cli("sequential", "awaits in a row add up");
//     int tasks = 3;
//     cli.option("--tasks", tasks, "how many sleeps", 1, 1000)
//         .offer_timeline();        // it records a lunch::timeline
//     cli.parse(argc, argv);        // exits 0 on --help, 2 on bad input
//     lunch::timeline tl;
//     ...
//     lunch::show(cli, tl);         // --timeline draws it, --trace FILE saves it
//   }
//
// Every demo has --smoke. --timeline and --trace are offered only by demos
// that call offer_timeline(), and those must hand their spans to
// lunch::show(): a flag that is accepted and then silently ignored would
// leave a presenter staring at nothing. A demo without them refuses both
// flags like any unknown flag (exit 2). The test suite checks every demo
// for this (support/tests/check_demo_flags.cpp).
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
  // A text option, checked by the demo itself (e.g. a list of numbers).
  demo_cli& option(const std::string& flag, std::string& value, const std::string& help);
  demo_cli& flag(const std::string& flag, bool& value, const std::string& help);

  // Adds --timeline and --trace FILE, for a demo that records its work on
  // a lunch::timeline and calls lunch::show(cli, tl) once it is done. Call
  // it before parse().
  demo_cli& offer_timeline();

  // Parses the command line. --help prints the help and exits 0; a bad flag
  // or value prints one line ("demo sequential: --tasks: ...") and exits 2.
  // So does a --trace FILE that cannot be written: that is found out here,
  // before the demo runs, not after a long run.
  void parse(int argc, char** argv);

  const std::string& name() const;

  // --smoke: the test suite runs every demo with this, to prove it still
  // works; a demo picks its smallest meaningful settings.
  bool smoke() const { return smoke_; }
  // Whether offer_timeline() was called.
  bool offers_timeline() const { return offers_timeline_; }
  // --timeline: draw the recorded spans in the terminal when done.
  bool timeline() const { return timeline_; }
  // --trace FILE: write the spans as Chrome Trace Event JSON; "" when not
  // asked. "-" is standard output: then parse() sends everything else the
  // demo prints to stderr, so that stdout carries the JSON alone
  // (`demo --trace - | jq .`), and trace_stdout() is where to write it.
  const std::string& trace_file() const { return trace_file_; }
  int trace_stdout() const { return trace_stdout_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  bool smoke_ = false;
  bool offers_timeline_ = false;
  bool timeline_ = false;
  std::string trace_file_;
  int trace_stdout_ = -1;  // a duplicate of the real stdout, for --trace -
};

}  // namespace lunch
