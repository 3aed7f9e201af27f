// Demo 01/forgotten_await: a coroutine called without co_await runs nothing.
//
// Calling a coroutine that returns net::awaitable<T> only creates it: its
// body starts when something awaits it (or co_spawns it). Rust futures are
// lazy in the same way. Forget the co_await and the call is silently
// thrown away: the compiler only warns ("ignoring return value ... declared
// with attribute 'nodiscard'"), and this course's build turns that warning
// into an error. This one file switches it off to show what would happen.
#include <boost/asio.hpp>

#include <cstdio>

#include "lunch/demo.hpp"
#include "lunch/run.hpp"

namespace net = boost::asio;

namespace {

net::awaitable<void> say(const char* line) {
  std::printf("  %s\n", line);
  co_return;
}

net::awaitable<void> forgetful() {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-result"
  say("A: you will never see this line");  // created, then destroyed
#pragma GCC diagnostic pop
  co_await say("B: this one was awaited, so it ran");
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("forgotten_await", "A coroutine called without co_await runs nothing.");
  cli.parse(argc, argv);
  std::printf("forgetful() calls say(\"A...\") without co_await, then co_awaits say(\"B...\"):\n");
  lunch::run(forgetful(), {.what = "forgetful()"});
  std::printf("Only B ran. The warning g++ gives for A is one to keep as an error.\n");
}
