// See test_buffered_harness.hpp.
#include "test_buffered_harness.hpp"

#include <utility>

namespace buffered_harness {

net::awaitable<std::string> run_jobs(adaptor_fn adaptor, probe& p, std::vector<ms> durations,
                                     std::size_t n, int failing) {
  const auto out = co_await buffer_unordered_harness::run_jobs(
      std::move(adaptor), p, std::move(durations), n, failing, "buffered");
  std::string seen = buffer_unordered_harness::joined(out.got);
  if (out.running_at_throw >= 0) {  // set only when the consumer caught
    p.running_at_throw = out.running_at_throw;
    seen += (seen.empty() ? "" : " ") + out.thrown;
  }
  co_return seen;
}

}  // namespace buffered_harness
