// The smallest demos, honest and not, to prove that check_demo_flags and
// lunch::show() catch what they are meant to catch. One file, four
// programs, picked by FAKE_DEMO (no Asio: these build in about a second):
//   honest         offers --timeline/--trace and shows its spans
//   ignores_flags  offers them, then never calls lunch::show()
//   no_flags       offers neither, and records nothing
//   undeclared     calls lunch::show() without offering the flags
#include <chrono>
#include <string_view>
#include <thread>

#include "lunch/demo.hpp"
#include "lunch/timeline.hpp"

constexpr std::string_view kind = FAKE_DEMO;

int main(int argc, char** argv) {
  lunch::demo_cli cli("fake", "A stand-in demo for the tests of the demo checks.");
  if (kind == "honest" || kind == "ignores_flags") cli.offer_timeline();
  cli.parse(argc, argv);
  lunch::timeline tl;
  {
    auto s = tl.span("nap", "task 1", "a sleep");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (kind == "honest" || kind == "undeclared") lunch::show(cli, tl);
}
