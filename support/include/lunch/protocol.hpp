// lunch/protocol.hpp: what a test program tells the `lunch` runner.
//
// The runner reads a test program's output and exit status to tell a failed
// check from a hang or a crash. Both sides include this header, so the words
// they agree on are written once. It has no Asio in it: the runner does not
// compile Asio, and the doctest reporter need not either.
#pragma once

#include <string_view>

namespace lunch::protocol {

// The reporter starts each test case's result line with one of these.
inline constexpr std::string_view passed_prefix = "  ok    ";
inline constexpr std::string_view failed_prefix = "  FAIL  ";

// Asks a test program to stop after its first failing test case.
inline constexpr std::string_view first_failure_flag = "--first-failure";

// A deadline report, in a failure message or on stderr, starts with this.
inline constexpr std::string_view deadline_phrase = "deadline of ";

// When a stuck thread cannot be unstuck, the watchdog writes its report to
// stderr after this prefix and ends the process with this status (the one
// `timeout(1)` uses).
inline constexpr std::string_view watchdog_prefix = "lunch watchdog: ";
inline constexpr int deadline_exit_status = 124;

// Before a test program dies of std::terminate (an exception escaping a
// noexcept function or a thread), it writes the exception's type and
// message after this prefix.
inline constexpr std::string_view terminate_prefix = "lunch terminate: ";

}  // namespace lunch::protocol
