// See test_parallel_chunks_harness.hpp.
#include "test_parallel_chunks_harness.hpp"

#include <boost/asio.hpp>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "lunch/run.hpp"
#include "lunch/tasks.hpp"

using namespace std::chrono_literals;

namespace parallel_chunks_harness {

net::any_io_executor executor_of(net::thread_pool& pool) { return pool.get_executor(); }

template <class T>
net::awaitable<T> reactor_first(net::awaitable<T> work) {
  co_await lunch::nap(0ms);
  co_return co_await std::move(work);
}
// The types the test file runs (a template's body must be compiled where it
// is defined, here, for each type used elsewhere).
template net::awaitable<std::vector<double>> reactor_first(net::awaitable<std::vector<double>>);
template net::awaitable<std::string> reactor_first(net::awaitable<std::string>);

std::vector<double> counting(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = double(i);
  return v;
}

double sum(std::span<const double> chunk) {
  double s = 0;
  for (double x : chunk) s += x;
  return s;
}

probe::probe(int threads, std::size_t chunks, int limit, ms linger)
    : limit_(limit), linger_(linger), runs_(chunks, 0), first_(limit),
      pool_(std::size_t(threads)) {}

net::any_io_executor probe::pool() { return pool_.get_executor(); }

double probe::run(std::size_t index, std::span<const double> chunk) {
  enter(index);
  if (index < std::size_t(limit_) && !first_.arrive_and_wait(1000ms)) {
    std::lock_guard lock(m_);
    ++first_gave_up_;
  }
  {
    std::unique_lock lock(m_);
    cv_.wait_for(lock, linger_, [&] { return in_flight_ > limit_; });
  }
  if (index == failing_) {
    leave();
    throw std::out_of_range("chunk " + std::to_string(index) + " broke");
  }
  const double s = sum(chunk);
  leave();
  return s;
}

int probe::in_flight() { std::lock_guard lock(m_); return in_flight_; }
int probe::peak() { std::lock_guard lock(m_); return peak_; }
int probe::started() { std::lock_guard lock(m_); return started_; }
int probe::off_pool() { std::lock_guard lock(m_); return off_pool_; }
int probe::first_gave_up() { std::lock_guard lock(m_); return first_gave_up_; }

std::string probe::not_once() {
  std::lock_guard lock(m_);
  std::string out;
  int listed = 0;
  for (std::size_t i = 0; i < runs_.size() && listed < 5; ++i)
    if (runs_[i] != 1) {
      out += (listed++ ? "; chunk " : "chunk ") + std::to_string(i) + " ran " +
             std::to_string(runs_[i]) + " times";
    }
  return out;
}

void probe::enter(std::size_t index) {
  const bool on_pool = pool_.get_executor().running_in_this_thread();
  std::lock_guard lock(m_);
  ++started_;
  if (index < runs_.size()) ++runs_[index];
  if (!on_pool) ++off_pool_;
  peak_ = std::max(peak_, ++in_flight_);
  cv_.notify_all();
}

void probe::leave() {
  std::lock_guard lock(m_);
  --in_flight_;
}

namespace {

// The work function the tests hand over: a chunk's index is where it
// starts, divided by the chunk size.
struct watched_sum {
  probe* p;
  const double* base;
  std::size_t chunk_size;
  double operator()(std::span<const double> chunk) const {
    return p->run(std::size_t(chunk.data() - base) / chunk_size, chunk);
  }
};

}  // namespace

work_fn slow_first_sum(const double* base) {
  return [base](std::span<const double> chunk) {
    if (chunk.data() == base) std::this_thread::sleep_for(40ms);
    return sum(chunk);
  };
}

std::vector<double> sums_of_chunks(const std::vector<double>& data, std::size_t size) {
  std::vector<double> out;
  for (std::size_t from = 0; from < data.size(); from += size)
    out.push_back(sum(std::span(data).subspan(from, std::min(size, data.size() - from))));
  return out;
}

std::string words(const std::vector<double>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 20; ++i) out += std::to_string(long(v[i])) + " ";
  return out + (v.size() > 20 ? "..." : "");
}

std::vector<double> run_watched(const chunks_fn& parallel_chunks, probe& p,
                                const std::vector<double>& data, std::size_t chunk_size,
                                std::size_t k, const char* what) {
  const watched_sum work{&p, data.data(), chunk_size};
  return lunch::run(reactor_first(parallel_chunks(p.pool(), data, chunk_size, k, work)),
                    {.deadline = 10s, .what = what});
}

net::awaitable<std::string> after_a_failure(chunks_fn parallel_chunks, probe& p,
                                            const std::vector<double>& data) {
  const std::string thrown = co_await lunch::what_is_thrown_by(
      parallel_chunks(p.pool(), data, 10, 3, watched_sum{&p, data.data(), 10}));
  co_return thrown + "; chunks running then: " + std::to_string(p.in_flight());
}

}  // namespace parallel_chunks_harness
