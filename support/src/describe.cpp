// lunch::describe and lunch::how_it_ended (lunch/testing.hpp): how work
// ended, as words for a test's failure message; lunch::start_cancellable.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/channel_error.hpp>
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

void start_cancellable(net::any_io_executor ex, net::awaitable<void> task,
                       net::cancellation_signal& cancel, ending& end) {
  net::co_spawn(ex, std::move(task),
                net::bind_cancellation_slot(cancel.slot(), [&end](std::exception_ptr e) {
                  end.done = true;
                  end.error = e;
                }));
}

std::string how_it_ended(const ending& end, const std::string& returned) {
  if (!end.done) return "had not ended: the cancellation did not reach the wait";
  if (!end.error) return returned;
  try {
    std::rethrow_exception(end.error);
  } catch (const boost::system::system_error& e) {
    if (e.code() == net::error::operation_aborted ||
        e.code() == net::experimental::error::channel_cancelled)
      return "cancelled";
  } catch (...) {
  }
  return "threw " + describe(end.error);
}

}  // namespace lunch
