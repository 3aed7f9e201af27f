// Tests for exercises/09_deadlocks/dangling.hpp
//
// This program is built with AddressSanitizer (the exercise's 'sanitize'
// entry in chapters/09_deadlocks/meson.build). The shipped deliver() reads
// a string that its caller has destroyed; ASan stops the program at that
// read and prints where the memory was freed, instead of letting it copy
// whatever the freed bytes hold now.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "dangling.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"

using namespace std::chrono_literals;

// A function's locals live in a fake stack frame that outlives the return
// under this option, so a read after the return is reported as
// stack-use-after-return instead of silently reading reused stack.
extern "C" const char* __asan_default_options() {
  return "detect_stack_use_after_return=1:print_legend=0";
}

// ASan's report is long, and `lunch check` shows the last lines of what a
// dying test printed. So when ASan stops the program, this repeats the
// three facts that matter, last: what went wrong, where the bad access
// was, and whose memory it was.
#if defined(__SANITIZE_ADDRESS__)  // g++
#define WITH_ASAN 1
#elif defined(__has_feature)       // clang++
#if __has_feature(address_sanitizer)
#define WITH_ASAN 1
#endif
#endif

#if defined(WITH_ASAN)
#include <sanitizer/asan_interface.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

namespace {

// The first frame under `from` that is in the course's own files.
std::string our_frame(const std::string& report, std::size_t from) {
  std::istringstream in(report.substr(from));
  for (std::string line; std::getline(in, line);) {
    const auto in_at = line.find(" in ");
    if (line.find(" #") == std::string::npos || in_at == std::string::npos ||
        line.find("+0x") != std::string::npos)  // no file and line known
      continue;
    for (const char* dir : {"exercises/", "solutions/", "tests/"})
      if (const auto at = line.rfind(dir); at != std::string::npos) {
        std::string func = line.substr(in_at + 4, line.rfind(' ') - in_at - 4);
        if (func.size() > 40) func = func.substr(0, 37) + "...";
        return func + " at " + line.substr(at);
      }
  }
  return "(not in the course's files)";
}

void summarise(const char* text) {
  const std::string r = text;
  auto after = [&](const std::string& key) {
    const auto at = r.find(key);
    return at == std::string::npos ? std::string::npos : at + key.size();
  };
  const auto kind = after("AddressSanitizer: ");
  std::string out = "\nlunch: AddressSanitizer stopped the test: " +
                    r.substr(kind, r.find(' ', kind) - kind) + "\n";
  out += "  the bad access:  " + our_frame(r, 0) + "\n";
  if (auto f = after("freed by thread"); f != std::string::npos)
    out += "  freed by:        " + our_frame(r, f) + "\n";
  if (auto f = after("is located in stack of thread"); f != std::string::npos) {
    out += "  it was a local:  " + our_frame(r, f);
    if (auto v = r.find("<== Memory access"); v != std::string::npos) {
      const auto start = r.rfind('\'', r.rfind('\'', v) - 1);
      out += ", " + r.substr(start, r.find(')', start) - start + 1);
    }
    out += ", in a function that had returned\n";
  }
  char exe[512] = {};
  if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) exe[0] = 0;
  out += std::string("  (the whole report: run ") + exe + " alone)\n";
  std::fputs(out.c_str(), stderr);
}

const bool summary_installed = [] {
  __asan_set_error_report_callback(summarise);
  return true;
}();

}  // namespace
#endif

namespace {

// Makes a reminder's text in a local and returns: the string is gone when
// the reminder fires.
void plan_lunch(net::any_io_executor ex, inbox& box, int table) {
  std::string text = "lunch at noon, table " + std::to_string(table) +
                     ", by the window on the second floor";
  remind_later(ex, box, text, 20ms);
}

}  // namespace

TEST_SUITE("dangling") {

TEST_CASE("a reminder arrives intact after the caller's string is gone") {
  inbox box;
  auto work = [](inbox& box) -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    plan_lunch(ex, box, 7);
    remind_later(ex, box, std::string(40, 'x') + " a temporary string", 30ms);
    co_await lunch::nap(60ms);
  };
  lunch::run(work(box), {.deadline = 3s, .what = "two reminders"});
  const std::vector<std::string> expected = {
      "lunch at noon, table 7, by the window on the second floor",
      std::string(40, 'x') + " a temporary string"};
  CHECK_MESSAGE(box.messages == expected,
                "the reminders should arrive with the texts they were given");
}

TEST_CASE("remind_later returns before the reminder arrives, and delays order them") {
  inbox box;
  std::size_t right_after = 99;
  auto work = [](inbox& box, std::size_t& right_after) -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    const std::string later = "second: given first, with the longer delay of 40 ms";
    const std::string sooner = "first: given second, with the shorter delay of 10 ms";
    remind_later(ex, box, later, 40ms);
    remind_later(ex, box, sooner, 10ms);
    right_after = box.messages.size();
    co_await lunch::nap(70ms);
  };
  lunch::run(work(box, right_after), {.deadline = 3s, .what = "two reminders"});
  CHECK_MESSAGE(right_after == 0, "right after remind_later() the box already had "
                << right_after << " message(s): it should start the reminder and return");
  REQUIRE_MESSAGE(box.messages.size() == 2, "2 reminders, " << box.messages.size() << " arrived");
  CHECK_MESSAGE(box.messages[0].rfind("first", 0) == 0,
                "the 10 ms reminder should arrive before the 40 ms one; got \""
                << box.messages[0] << "\" first");
}

TEST_CASE("a thousand reminders from strings that are gone arrive intact") {
  inbox box;
  auto work = [](inbox& box) -> net::awaitable<void> {
    auto ex = co_await net::this_coro::executor;
    for (int i = 0; i < 1000; ++i) plan_lunch(ex, box, i);
    co_await lunch::nap(60ms);
  };
  lunch::run(work(box), {.deadline = 5s, .what = "a thousand reminders"});
  REQUIRE_MESSAGE(box.messages.size() == 1000, box.messages.size() << " of 1000 arrived");
  // Equal delays: the order among them is the timers', so compare as sets.
  std::vector<std::string> got = box.messages, expected;
  for (int i = 0; i < 1000; ++i)
    expected.push_back("lunch at noon, table " + std::to_string(i) +
                       ", by the window on the second floor");
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  int wrong = 0;
  for (std::size_t i = 0; i < got.size(); ++i) wrong += got[i] != expected[i];
  CHECK_MESSAGE(wrong == 0, wrong << " of 1000 reminders arrived with the wrong text");
}

}  // TEST_SUITE
