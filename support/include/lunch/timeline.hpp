// lunch/timeline.hpp: see concurrency instead of reading about it.
//
// Record a span for each piece of work (which task, which thread, from when
// to when, what it was waiting on), then draw the spans in the terminal or
// write them as a Chrome trace for Perfetto:
//
//   lunch::timeline tl;
//   {
//     auto s = tl.span("GET /1", "task 1", "the server");  // RAII
//     co_await lunch::http_get(url);
//   }                                                      // recorded here
//   ...
//   lunch::show(cli, tl);  // --timeline draws it, --trace FILE writes it
//                          // (offered after cli.offer_timeline())
//
// Sequential work draws as a staircase, concurrent work as bars stacked
// over the same columns:
//
//   seq 1    ░░░░░░░
//   seq 2           ░░░░░░░
//   together 1             ░░░░░░░
//   together 2             ░░░░░░░
//
// Glyphs: '█' marks a span that is running (no "waiting on" label), '░' one
// that is waiting on something (a timer, the server). Where the terminal is
// not UTF-8 the same picture uses '#' and '-'.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>

#include "lunch/demo.hpp"

namespace lunch {

// One recorded span. Times are offsets from the timeline's origin.
struct span_record {
  std::string name;        // what ran: "GET /1", "nap"
  std::string lane;        // which task it belongs to; "" = its own name
  std::string waiting_on;  // "" = running; else what it waited for
  int thread = 0;          // a small index, the same for a thread all along
  std::chrono::nanoseconds start{};
  std::chrono::nanoseconds end{};

  const std::string& lane_name() const { return lane.empty() ? name : lane; }
};

// A small stable number for the calling thread: 1 for the first thread that
// asks, 2 for the next, ... for the life of the process.
int thread_index();

class timeline {
 public:
  using clock = std::chrono::steady_clock;

  // Times are measured from the moment of construction.
  timeline();
  timeline(const timeline&) = delete;
  timeline& operator=(const timeline&) = delete;

  // What span() returns: records [span(), end() or destruction) when it
  // ends. Movable, so it can be returned or kept in a container; a
  // moved-from span records nothing.
  class scoped_span {
   public:
    scoped_span(scoped_span&& other) noexcept;
    scoped_span& operator=(scoped_span&& other) noexcept;
    scoped_span(const scoped_span&) = delete;
    scoped_span& operator=(const scoped_span&) = delete;
    ~scoped_span();

    // Ends it now; later calls and the destructor do nothing.
    void end();
    // Says what it is waiting on (drawn as waiting, named in the trace).
    void waiting_on(std::string what);

   private:
    friend class timeline;
    scoped_span(timeline* owner, span_record r)
        : owner_(owner), record_(std::move(r)) {}
    timeline* owner_;
    span_record record_;
  };

  // Starts a span on the calling thread. `lane` groups spans into one row
  // (a task); empty means the span's own name.
  [[nodiscard]] scoped_span span(std::string name, std::string lane = {},
                                 std::string waiting_on = {});

  // The same without RAII: begin() returns an id that end() closes. A span
  // that is never ended is kept, with no length, ending where it began.
  std::size_t begin(std::string name, std::string lane = {},
                    std::string waiting_on = {});
  void end(std::size_t id);

  // Adds a span with explicit times, e.g. to draw a fixed picture in a test.
  void add(span_record r);

  // A copy of every span recorded so far, in the order they were stored.
  std::vector<span_record> spans() const;
  std::size_t size() const;
  // Forgets every span (ids from begin() become invalid); the origin stays.
  void clear();
  // Now, as an offset from the origin.
  std::chrono::nanoseconds now() const;

 private:
  void store(span_record&& r);
  clock::time_point origin_;
  // A mutex-guarded vector is enough: measured at well under a microsecond
  // per span (bench/bench_timeline.cpp), and nothing is awaited while held.
  mutable std::mutex mutex_;
  std::vector<span_record> spans_;
};

// --------------------------------------------------------------- renderers

enum class glyphs { automatic, unicode, ascii };

struct render_options {
  // Characters per line; 0 = the terminal's width ($COLUMNS, or 80).
  int width = 0;
  // One row per thread instead of one per task.
  bool by_thread = false;
  // At most this many rows; the rest are summed up in one line.
  int max_lanes = 24;
  // automatic: Unicode blocks when the locale says UTF-8, else ASCII.
  glyphs style = glyphs::automatic;
};

// The ASCII (or Unicode) picture: a title, one row per lane in order of first
// start, a time axis in ms, a legend. The scale runs from the earliest start
// to the latest end, so the same spans always give the same picture.
std::string render_timeline(const timeline& tl, const render_options& options = {});
std::string render_timeline(const std::vector<span_record>& spans,
                            const render_options& options = {});

// Chrome Trace Event JSON ("X" complete events, times in µs). Each lane is a
// track (tid) named after it, because spans of tasks sharing one thread
// overlap in time, and the viewers want slices on one track to nest; the
// real thread is in each event's args ("thread"), with "waiting_on".
void write_trace(const timeline& tl, std::ostream& out);
// Throws std::runtime_error naming the file when it cannot be written.
void write_trace(const timeline& tl, const std::string& path);

// The terminal's width in columns: the tty, else $COLUMNS, else 80.
int terminal_width();

// For demos, once the work is done: prints the timeline if --timeline was
// given and writes the trace if --trace FILE was ("Wrote trace FILE (N
// spans): open it in https://ui.perfetto.dev"; FILE "-" is standard
// output). A file that cannot be written: one line on stderr and exit
// status 2 (demo_cli::parse has already tried it, so this is rare). The
// demo must have called cli.offer_timeline() before parsing: without it,
// show() says so and aborts, because the spans could never be seen.
void show(const demo_cli& cli, const timeline& tl, const render_options& options = {});

}  // namespace lunch
