// Demo 05/pipeline: back-pressure in a pipeline, and two ways it goes wrong.
//
//   producer --(jobs: bounded channel)--> N workers --(results channel)--> collector
//
// The producer makes jobs faster than the workers get through them. The
// job channel holds at most --capacity jobs, so it fills up, and from then
// on the producer waits for room: it runs at the workers' pace, and the
// backlog never grows past the capacity. The samples show the queue's depth
// over time.
//
// Everything runs on one thread, so the plain `experimental::channel` is
// the right channel (concurrent_channel is for several threads).
//
//   --close     end the job stream with the channel's close() instead of
//               one end marker per worker: Boost 1.81's Asio throws away
//               the jobs still queued, and they are never done (from 1.82
//               on, the workers drain them first).
//   --deadlock  the collector reads results only once the producer has sent
//               every job. The results channel fills up, the workers block
//               on it, the job queue fills up, the producer blocks: nobody
//               can move again. The watchdog reports who waits for what.
#include <boost/asio.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "lunch/demo.hpp"
#include "lunch/measure.hpp"
#include "lunch/run.hpp"
#include "lunch/tasks.hpp"
#include "lunch/timeline.hpp"

namespace net = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using ms = std::chrono::milliseconds;

namespace {

// A channel of job (or result) numbers; -1 is the end marker.
using number_channel = net::experimental::channel<void(error_code, int)>;
constexpr int end_marker = -1;

struct settings {
  int jobs = 24;
  int workers = 3;
  int capacity = 4;
  int results = 4;  // the results channel's capacity
  ms work = 60ms;   // per job
  ms produce = 5ms; // between two new jobs
  ms sample = 25ms;
  bool use_close = false;
  bool deadlock = false;
};

struct sample {
  double t;
  int depth;
  const char* producer;
  int busy;
};

// The channels, made on the event loop the tasks run on.
struct channels {
  channels(net::any_io_executor ex, const settings& s)
      : jobs(ex, std::size_t(s.capacity)), results(ex, std::size_t(s.results)), producer_done(ex, 1) {}
  number_channel jobs, results;
  net::experimental::channel<void(error_code)> producer_done;  // --deadlock only
};

// What the tasks measure. One thread, so plain ints. It outlives the run,
// so that it can be printed even after the watchdog stopped a deadlock.
struct pipeline {
  lunch::stopwatch clock;
  lunch::timeline tl;
  int in_queue = 0;  // sends completed minus receives completed
  int peak = 0;
  const char* producer_state = "making a job";
  double producer_wait_ms = 0;
  int busy = 0;
  int done = 0;
  bool finished = false;
  std::vector<sample> samples;
};

net::awaitable<void> producer(pipeline& p, channels& c, settings s) {
  lunch::pending pending("the producer");
  for (int job = 0; job < s.jobs; ++job) {
    p.producer_state = "making a job";
    co_await lunch::nap(s.produce);  // making the job
    pending.set("the producer waits for room in the job queue (job " + std::to_string(job) + ")");
    {
      auto span = p.tl.span("send", "producer", "room in the queue");
      lunch::stopwatch waited;
      p.producer_state = "waits for room";
      co_await c.jobs.async_send(error_code{}, job, net::use_awaitable);
      p.producer_wait_ms += waited.ms();
    }
    p.peak = std::max(p.peak, ++p.in_queue);
  }
  pending.set("the producer ends the stream");
  p.producer_state = "ends the stream";
  if (s.use_close) {
    // The wrong way in Boost 1.81: its close() drops every job still in
    // the channel (1.82 and later keep them for the workers).
    c.jobs.close();
  } else {
    // One end marker per worker, queued behind the last jobs: a worker that
    // takes one stops, and the jobs before it are all done first.
    for (int w = 0; w < s.workers; ++w)
      co_await c.jobs.async_send(error_code{}, end_marker, net::use_awaitable);
  }
  p.producer_state = "done";
  c.producer_done.try_send(error_code{});
}

net::awaitable<void> worker(pipeline& p, channels& c, int id, settings s) {
  const std::string name = "worker " + std::to_string(id);
  lunch::pending pending(name);
  for (;;) {
    pending.set(name + " waits for a job");
    int job = end_marker;
    {
      auto span = p.tl.span("idle", name, "the job queue");
      auto [ec, j] = co_await c.jobs.async_receive(net::as_tuple(net::use_awaitable));
      if (ec) break;  // --close: closed (in 1.81 with jobs still queued)
      job = j;
    }
    if (job == end_marker) break;
    --p.in_queue;
    ++p.busy;
    {
      auto span = p.tl.span("job " + std::to_string(job), name);
      co_await lunch::nap(s.work);  // the work itself
    }
    --p.busy;
    pending.set(name + " waits for room in the results channel (job " + std::to_string(job) + ")");
    auto span = p.tl.span("hand in", name, "room for the result");
    co_await c.results.async_send(error_code{}, job, net::use_awaitable);
  }
  pending.set(name + " hands in its end marker");
  co_await c.results.async_send(error_code{}, end_marker, net::use_awaitable);
}

net::awaitable<void> collector(pipeline& p, channels& c, settings s) {
  lunch::pending pending("the collector");
  if (s.deadlock) {
    // The bug: nobody reads results until every job has been sent.
    pending.set("the collector waits for the producer to finish before reading results");
    co_await c.producer_done.async_receive(net::use_awaitable);
  }
  pending.set("the collector reads results");
  for (int ends = 0; ends < s.workers;) {
    const int r = co_await c.results.async_receive(net::use_awaitable);
    if (r == end_marker) ++ends;
    else ++p.done;
  }
  p.finished = true;
}

net::awaitable<void> sampler(pipeline& p, settings s) {
  while (!p.finished) {
    p.samples.push_back({p.clock.ms(), std::clamp(p.in_queue, 0, s.capacity), p.producer_state, p.busy});
    co_await lunch::nap(s.sample);
  }
}

net::awaitable<void> run_pipeline(pipeline& p, settings s) {
  auto ex = co_await net::this_coro::executor;
  channels c(ex, s);
  p.clock = {};
  lunch::task_group group(ex);
  group.spawn(sampler(p, s));
  group.spawn(collector(p, c, s));
  for (int w = 1; w <= s.workers; ++w) group.spawn(worker(p, c, w, s));
  group.spawn(producer(p, c, s));
  co_await group.wait();
}

// One row per sample; a run of identical rows is shown once, with how long
// it lasted (a deadlock is one long run).
void print_samples(const pipeline& p, const settings& s) {
  std::printf("  t (ms)  job queue%*s  producer          workers busy\n",
              s.capacity > 9 ? s.capacity - 9 : 0, "");
  const auto same = [](const sample& a, const sample& b) {
    return a.depth == b.depth && a.producer == b.producer && a.busy == b.busy;
  };
  for (std::size_t i = 0; i < p.samples.size(); ++i) {
    const auto& x = p.samples[i];
    std::string bar(std::size_t(x.depth), '#');
    bar.resize(std::size_t(s.capacity), '.');
    std::printf("  %6.0f  %s %2d  %-16s  %d\n", x.t, bar.c_str(), x.depth, x.producer, x.busy);
    std::size_t j = i;
    while (j + 1 < p.samples.size() && same(p.samples[j + 1], x)) ++j;
    if (j > i + 1) std::printf("  %6s  (the same until %.0f ms)\n", "...", p.samples[j].t);
    if (j > i) i = j - 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  lunch::demo_cli cli("pipeline", "producer -> bounded queue -> workers -> results: back-pressure.");
  settings s;
  cli.option("--jobs", s.jobs, "how many jobs the producer makes", 1, 10000)
      .option("--workers", s.workers, "workers taking jobs from the queue", 1, 100)
      .option("--capacity", s.capacity, "how many jobs the job queue holds", 1, 1000)
      .option("--results", s.results, "how many results the results channel holds", 1, 1000)
      .option("--work", s.work, "time per job", 0, 10000)
      .option("--produce", s.produce, "time to make one job", 0, 10000)
      .option("--sample", s.sample, "time between two samples of the queue depth", 1, 10000)
      .flag("--close", s.use_close, "end the stream with close(): Boost 1.81 loses queued jobs")
      .flag("--deadlock", s.deadlock, "read results only after the producer is done");
  cli.offer_timeline();  // it records a timeline: --timeline and --trace FILE
  cli.parse(argc, argv);
  if (cli.smoke()) {
    s.jobs = 6;
    s.workers = 2;
    s.capacity = 2;
    s.work = 5ms;
    s.produce = 0ms;
    s.sample = 5ms;
  }

  std::printf("%d jobs, %d workers, job queue of capacity %d, %lld ms per job, "
              "a new job every %lld ms.\n\n",
              s.jobs, s.workers, s.capacity, static_cast<long long>(s.work.count()),
              static_cast<long long>(s.produce.count()));

  pipeline p;
  const auto deadline = s.deadlock ? ms(1500) : ms(s.jobs * (s.work.count() + s.produce.count()) + 10000);
  try {
    lunch::run(run_pipeline(p, s), {.deadline = deadline, .what = "the pipeline"});
  } catch (const lunch::deadline_exceeded& e) {
    print_samples(p, s);
    std::printf("\n%s\n", e.what());
    std::printf(
        "\nDeadlock: %d of %d results came in. The talk's warning: a bounded queue\n"
        "whose results nobody reads. The workers wait for room in the results\n"
        "channel, the producer for room in the job queue, and the collector for\n"
        "the producer. Read results while producing (drop --deadlock).\n",
        p.done, s.jobs);
    return 0;
  }
  const double total = p.clock.ms();
  print_samples(p, s);

  const double ideal = double(s.jobs) * double(s.work.count()) / s.workers;
  std::printf("\nDone in %.0f ms (the workers alone need %.0f): %d of %d jobs done.\n", total,
              ideal, p.done, s.jobs);
  std::printf("The job queue held at most %d jobs (capacity %d). The producer waited\n"
              "%.0f ms of %.0f for room: it ran at the workers' pace, not its own.\n",
              p.peak, s.capacity, p.producer_wait_ms, total);
  if (s.use_close && p.done < s.jobs)
    std::printf("\n--close: %d jobs were still queued when close() was called, and\n"
                "Asio's close() threw them away. End a stream with an end marker\n"
                "(or the work_queue exercise's close, which drains first).\n",
                s.jobs - p.done);
  lunch::show(cli, p.tl);
}
