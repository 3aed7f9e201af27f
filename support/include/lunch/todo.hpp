// lunch/todo.hpp: how an unfinished exercise says so.
//
// Every shipped exercise compiles and then throws `lunch::todo_error` from the
// place the learner still has to fill in. The test that called it fails with
// the TODO's own words, instead of a wall of template errors or a hang.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace lunch {

// Thrown by `lunch::todo()`. Its message starts with "TODO: " so the runner
// and a person reading test output both recognise an unfinished exercise.
class todo_error : public std::logic_error {
 public:
  explicit todo_error(std::string_view what)
      : std::logic_error("TODO: " + std::string(what)) {}
};

// Marks the gap a learner has to fill.
//
// It is a template so it can stand wherever a value of any type is expected:
//   co_return lunch::todo<int>("return the answer");
//   lunch::todo("start the timer");
template <class T = void>
[[noreturn]] T todo(std::string_view what) {
  throw todo_error(what);
}

}  // namespace lunch
