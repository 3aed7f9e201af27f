// Tests for exercises/09_deadlocks/dangling.hpp
//
// This program is built with AddressSanitizer (the exercise's 'sanitize'
// entry in chapters/09_deadlocks/meson.build). The shipped deliver() reads
// a string that its caller has destroyed; ASan stops the program at that
// read and prints where the memory was freed, instead of letting it copy
// whatever the freed bytes hold now. The summary printed after ASan's report
// is in test_dangling_harness.cpp, compiled once with the course.
#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "dangling.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "test_dangling_harness.hpp"

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
// was, and whose memory it was (dangling_harness::summarise, in
// test_dangling_harness.cpp, compiled once with the course).
#if defined(__SANITIZE_ADDRESS__)  // g++
#define WITH_ASAN 1
#elif defined(__has_feature)       // clang++
#if __has_feature(address_sanitizer)
#define WITH_ASAN 1
#endif
#endif

#if defined(WITH_ASAN)
#include <sanitizer/asan_interface.h>

namespace {

const bool summary_installed = [] {
  __asan_set_error_report_callback(dangling_harness::summarise);
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
