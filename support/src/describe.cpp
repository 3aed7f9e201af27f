// lunch::describe (lunch/testing.hpp): an exception as words for a test's
// failure message.
#include <boost/asio/multiple_exceptions.hpp>
#include <boost/system/system_error.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "lunch/testing.hpp"

namespace lunch {

namespace {

// The exception's type as the compiler spells it ("std::out_of_range").
std::string current_type_name() {
  const std::type_info* t = abi::__cxa_current_exception_type();
  if (!t) return "an unknown exception";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(t->name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? name.get() : t->name();
}

}  // namespace

std::string describe(std::exception_ptr e) {
  if (!e) return "nothing";
  try {
    std::rethrow_exception(e);
  } catch (const todo_error&) {
    throw;
  } catch (const net::multiple_exceptions&) {
    // The name the lessons use for it, not the inline namespace's.
    return "net::multiple_exceptions";
  } catch (const boost::system::system_error& s) {
    return "boost::system::system_error: " + s.code().message() + " [" +
           s.code().category().name() + ":" + std::to_string(s.code().value()) + "]";
  } catch (const std::exception& x) {
    return current_type_name() + ": " + x.what();
  } catch (...) {
    return current_type_name();
  }
}

}  // namespace lunch
