// How much does recording a span cost? The timeline is meant to stay on in
// demos, so a span must cost far less than the work it measures: the target
// is well under a microsecond.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "lunch/timeline.hpp"

namespace {

// Without this the timeline would hold millions of spans (hundreds of MB)
// by the end of a run. Clearing keeps the vector's capacity, so the timed
// pushes are the steady state a demo sees; the pause costs a little, but
// once per 64 Ki spans.
void every_so_often_clear(benchmark::State& state, lunch::timeline& tl, std::uint64_t& n) {
  if ((++n & 0xFFFF) == 0) {
    state.PauseTiming();
    tl.clear();
    state.ResumeTiming();
  }
}

// A short name fits in std::string's small buffer; a long one allocates.
void scoped_span_short_name(benchmark::State& state) {
  lunch::timeline tl;
  std::uint64_t n = 0;
  for (auto _ : state) {
    { auto s = tl.span("GET /1", "task 1"); }
    every_so_often_clear(state, tl, n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(scoped_span_short_name);

void scoped_span_long_name(benchmark::State& state) {
  lunch::timeline tl;
  std::uint64_t n = 0;
  for (auto _ : state) {
    {
      auto s = tl.span("GET /items/12345?with=a-rather-long-query", "task number 12345",
                       "the latency server");
    }
    every_so_often_clear(state, tl, n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(scoped_span_long_name);

void begin_end(benchmark::State& state) {
  lunch::timeline tl;
  std::uint64_t n = 0;
  for (auto _ : state) {
    tl.end(tl.begin("GET /1", "task 1"));
    every_so_often_clear(state, tl, n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(begin_end);

// Two threads recording into one timeline share its mutex. Nobody clears
// it (clearing under a pause from two threads would measure the pause), so
// the run is kept short.
lunch::timeline shared_timeline;
void scoped_span_contended(benchmark::State& state) {
  for (auto _ : state) {
    auto s = shared_timeline.span("GET /1", "task 1");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(scoped_span_contended)->Threads(2)->Iterations(500000);

}  // namespace

BENCHMARK_MAIN();
