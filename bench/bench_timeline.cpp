// How much does recording a span cost? The timeline is meant to stay on in
// demos, so a span must cost far less than the work it measures: the target
// is well under a microsecond.
#include <benchmark/benchmark.h>

#include <string>

#include "lunch/timeline.hpp"

namespace {

// A short name fits in std::string's small buffer; a long one allocates.
void scoped_span_short_name(benchmark::State& state) {
  lunch::timeline tl;
  for (auto _ : state) {
    auto s = tl.span("GET /1", "task 1");
    benchmark::DoNotOptimize(&s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(scoped_span_short_name);

void scoped_span_long_name(benchmark::State& state) {
  lunch::timeline tl;
  for (auto _ : state) {
    auto s = tl.span("GET /items/12345?with=a-rather-long-query", "task number 12345",
                     "the latency server");
    benchmark::DoNotOptimize(&s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(scoped_span_long_name);

void begin_end(benchmark::State& state) {
  lunch::timeline tl;
  for (auto _ : state) tl.end(tl.begin("GET /1", "task 1"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(begin_end);

// Several threads recording into one timeline: the mutex is shared.
lunch::timeline shared_timeline;
void scoped_span_contended(benchmark::State& state) {
  for (auto _ : state) {
    auto s = shared_timeline.span("GET /1", "task 1");
    benchmark::DoNotOptimize(&s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(scoped_span_contended)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
