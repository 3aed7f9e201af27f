// Exercise 09_deadlocks/dangling  (fix the bug; runs under AddressSanitizer)
//
// remind_later() returns at once and drops `text` into `box` after
// `delay`, from a spawned coroutine. Rust would refuse to compile it:
// tokio::spawn wants a 'static future, and this one borrows `text`. C++
// compiles it. The coroutine's `const std::string&` parameter is a
// reference to the caller's string, which is gone long before the timer
// fires: the coroutine then copies freed memory. Most days that prints
// garbage, or nothing at all; AddressSanitizer stops at the bad read and
// says where the memory was freed.
//
// A reference parameter of a spawned coroutine is a promise that the thing
// outlives the coroutine. For `box` the caller makes that promise (it keeps
// the box until the event loop stops); for `text` nobody does.
//
// Done when:
//   - a reminder arrives intact when the caller's string is long gone: a
//     local of a function that has returned, or a temporary;
//   - remind_later() returns before the reminder arrives (it is spawned,
//     not awaited), and reminders arrive in order of their delays;
//   - AddressSanitizer has nothing to report (a thousand reminders too).
//
// Pitfall: std::string_view, or a lambda that captures by reference, is
// the same dangling reference under another name.
#pragma once

#include <boost/asio.hpp>

#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace net = boost::asio;

struct inbox {
  std::vector<std::string> messages;
};

// The reminder itself: wait, then deliver.
// SOLUTION: `text` by value. A coroutine's parameters are copied (or
// moved) into its frame when it is called, so the frame owns its own
// string, and nothing outside has to live as long as the reminder.
inline net::awaitable<void> deliver(inbox& box, std::string text,
                                    std::chrono::milliseconds delay) {
  net::steady_timer timer(co_await net::this_coro::executor, delay);
  co_await timer.async_wait(net::use_awaitable);
  box.messages.push_back(std::move(text));
}

// Returns at once; `text` lands in `box` after `delay`. An exception in the
// reminder is rethrown from the event loop, not dropped as `detached` would.
inline void remind_later(net::any_io_executor ex, inbox& box, const std::string& text,
                         std::chrono::milliseconds delay) {
  net::co_spawn(ex, deliver(box, text, delay),
                [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
}

// Another way: a std::shared_ptr<const std::string> parameter, when many
// reminders share one large text. What must not change is that the
// coroutine owns (or co-owns) what it reads.
