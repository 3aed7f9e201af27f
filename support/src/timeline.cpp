// Recording spans and drawing them: lunch/timeline.hpp.
#include "lunch/timeline.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace lunch {

using namespace std::chrono_literals;

int thread_index() {
  // Raw std::thread::id values are long and unordered; people reading a
  // timeline want "thread 1, thread 2".
  static std::atomic<int> next{0};
  thread_local const int index = ++next;
  return index;
}

// ---------------------------------------------------------------- recording

timeline::timeline() : origin_(clock::now()) {}

std::chrono::nanoseconds timeline::now() const { return clock::now() - origin_; }

timeline::scoped_span timeline::span(std::string name, std::string lane,
                                     std::string waiting_on) {
  span_record r{std::move(name), std::move(lane), std::move(waiting_on),
                thread_index(), now(), {}};
  return scoped_span(this, std::move(r));
}

timeline::scoped_span::scoped_span(scoped_span&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), record_(std::move(other.record_)) {}

timeline::scoped_span& timeline::scoped_span::operator=(scoped_span&& other) noexcept {
  if (this != &other) {
    end();
    owner_ = std::exchange(other.owner_, nullptr);
    record_ = std::move(other.record_);
  }
  return *this;
}

timeline::scoped_span::~scoped_span() { end(); }

void timeline::scoped_span::end() {
  if (!owner_) return;
  record_.end = owner_->now();
  std::exchange(owner_, nullptr)->store(std::move(record_));
}

void timeline::scoped_span::waiting_on(std::string what) {
  record_.waiting_on = std::move(what);
}

std::size_t timeline::begin(std::string name, std::string lane, std::string waiting_on) {
  const auto t = now();
  span_record r{std::move(name), std::move(lane), std::move(waiting_on),
                thread_index(), t, t};
  std::lock_guard lock(mutex_);
  spans_.push_back(std::move(r));
  return spans_.size() - 1;
}

void timeline::end(std::size_t id) {
  const auto t = now();
  std::lock_guard lock(mutex_);
  if (id < spans_.size()) spans_[id].end = t;
}

void timeline::add(span_record r) { store(std::move(r)); }

void timeline::store(span_record&& r) {
  std::lock_guard lock(mutex_);
  spans_.push_back(std::move(r));
}

std::vector<span_record> timeline::spans() const {
  std::lock_guard lock(mutex_);
  return spans_;
}

std::size_t timeline::size() const {
  std::lock_guard lock(mutex_);
  return spans_.size();
}

void timeline::clear() {
  std::lock_guard lock(mutex_);
  spans_.clear();
}

// ---------------------------------------------------------------- shared

namespace {

using std::chrono::nanoseconds;

struct lane {
  std::string name;
  std::vector<const span_record*> spans;
};

// Lanes in order of their first start (ties: first stored), so a staircase
// reads top to bottom.
std::vector<lane> lanes_of(const std::vector<span_record>& spans, bool by_thread) {
  std::vector<const span_record*> order;
  for (const auto& s : spans) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(),
                   [](auto* a, auto* b) { return a->start < b->start; });
  std::vector<lane> out;
  std::map<std::string, std::size_t> index;
  for (const auto* s : order) {
    std::string key = by_thread ? "thread " + std::to_string(s->thread) : s->lane_name();
    auto [it, added] = index.try_emplace(key, out.size());
    if (added) out.push_back({std::move(key), {}});
    out[it->second].spans.push_back(s);
  }
  return out;
}

bool locale_is_utf8() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (!v || !*v) continue;
    std::string s(v);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

// Code points, not bytes: labels may hold UTF-8.
std::size_t text_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string fit(const std::string& s, std::size_t width, const char* ellipsis) {
  if (text_width(s) <= width) return s + std::string(width - text_width(s), ' ');
  std::string out;
  std::size_t points = 0;
  for (char c : s) {
    const bool starts_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_point && ++points > width - 1) break;
    out += c;
  }
  return out + ellipsis;
}

// A time in ms with as many decimals as `step` needs.
std::string format_ms(nanoseconds t, nanoseconds step) {
  const double ms = static_cast<double>(t.count()) / 1e6;
  const int decimals = step >= 1ms ? 0 : step >= 100us ? 1 : step >= 10us ? 2 : 3;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, ms);
  return buf;
}

// Breaks a sentence into lines of at most `width` code points, at spaces.
std::string wrap(const std::string& text, std::size_t width) {
  std::string out, line;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (!line.empty() && text_width(line) + 1 + text_width(word) > width) {
      out += line + "\n";
      line = "  ";  // continuation lines are indented
    }
    line += (line.empty() || line == "  " ? "" : " ") + word;
  }
  return out + line + "\n";
}

void trim_right(std::string& line) {
  line.erase(line.find_last_not_of(' ') + 1);
}

}  // namespace

// ---------------------------------------------------------------- terminal

int terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const int n = std::atoi(columns);
    if (n > 0) return n;
  }
  return 80;
}

std::string render_timeline(const timeline& tl, const render_options& options) {
  return render_timeline(tl.spans(), options);
}

namespace {

// The picture's fixed facts: glyphs, geometry and time scale.
struct canvas {
  const char* running;
  const char* waiting;
  const char* rule;
  const char* tick;
  const char* ellipsis;
  bool unicode;
  int width;            // characters per line
  std::size_t label;    // the lane names' column
  long long columns;    // the time columns right of it
  nanoseconds t0, t1;   // the earliest start, the latest end
  long long total;      // t1 - t0 in ns, at least 1

  // Integer arithmetic on nanoseconds: the same spans give the same picture
  // on every machine, which the checked-in expected picture relies on. No
  // overflow below about 100 days of timeline at 1000 columns.
  // Both ends round to the nearest column, so that a span ending where the
  // next one starts never shares a column with it: a clean staircase.
  long long column_of(nanoseconds t) const {
    return ((t - t0).count() * columns + total / 2) / total;
  }
};

canvas make_canvas(const std::vector<span_record>& spans, const std::vector<lane>& lanes,
                   std::size_t shown, const render_options& options) {
  canvas c{};
  c.unicode = options.style == glyphs::unicode ||
              (options.style == glyphs::automatic && locale_is_utf8());
  c.running = c.unicode ? "█" : "#";
  c.waiting = c.unicode ? "░" : "-";
  c.rule = c.unicode ? "─" : "-";
  c.tick = c.unicode ? "┬" : "+";
  c.ellipsis = c.unicode ? "…" : "~";
  c.width = std::clamp(options.width > 0 ? options.width : terminal_width(), 40, 1000);
  for (std::size_t i = 0; i < shown; ++i) c.label = std::max(c.label, text_width(lanes[i].name));
  c.label = std::clamp<std::size_t>(c.label, 4, static_cast<std::size_t>(c.width / 4));
  c.columns = static_cast<long long>(static_cast<std::size_t>(c.width) - c.label - 1);
  c.t0 = spans.front().start;
  c.t1 = spans.front().end;
  for (const auto& s : spans) {
    c.t0 = std::min(c.t0, s.start);
    c.t1 = std::max(c.t1, std::max(s.end, s.start));
  }
  c.total = std::max<long long>((c.t1 - c.t0).count(), 1);
  return c;
}

// "timeline: 6 spans, 3 tasks on 1 thread, 300 ms"
std::string title_of(const std::vector<span_record>& spans, std::size_t lanes,
                     const canvas& c, bool by_thread) {
  std::vector<int> seen;
  for (const auto& s : spans)
    if (std::find(seen.begin(), seen.end(), s.thread) == seen.end()) seen.push_back(s.thread);
  std::ostringstream title;
  title << "timeline: " << spans.size() << (spans.size() == 1 ? " span, " : " spans, ")
        << lanes << (by_thread ? " thread" : " task") << (lanes == 1 ? "" : "s");
  if (!by_thread) title << " on " << seen.size() << (seen.size() == 1 ? " thread" : " threads");
  title << ", " << format_ms(c.t1 - c.t0, 1ms) << " ms";
  return wrap(title.str(), static_cast<std::size_t>(c.width));
}

// What the legend needs to know about the rows drawn.
struct row_facts {
  bool any_running = false;
  std::vector<std::string> waited_on;
};

// One row: the lane's name, then a cell per column (running wins where
// spans overlap).
std::string row_of(const lane& l, const canvas& c, row_facts& facts) {
  std::vector<int> cells(static_cast<std::size_t>(c.columns), 0);  // 0 empty, 1 waiting, 2 running
  for (const auto* s : l.spans) {
    const int kind = s->waiting_on.empty() ? 2 : 1;
    const long long from = std::min(c.column_of(s->start), c.columns - 1);
    // Every span gets at least one column: a 1 ms request in a 10 s
    // picture must still show.
    const long long to = std::clamp(c.column_of(std::max(s->end, s->start)), from + 1, c.columns);
    for (long long col = from; col < to; ++col) {
      auto& cell = cells[static_cast<std::size_t>(col)];
      cell = std::max(cell, kind);
    }
    if (kind == 2) facts.any_running = true;
    if (kind == 1 && std::find(facts.waited_on.begin(), facts.waited_on.end(), s->waiting_on) ==
                         facts.waited_on.end())
      facts.waited_on.push_back(s->waiting_on);
  }
  std::string line = fit(l.name, c.label, c.ellipsis) + " ";
  for (int cell : cells) line += cell == 2 ? c.running : cell == 1 ? c.waiting : " ";
  trim_right(line);
  return line + "\n";
}

// The time axis and its labels. Ticks at 1, 2 or 5 times a power of ten (in
// ns, from 1 µs up): the first step that puts them ten columns apart, so
// that their labels never touch.
std::string axis_of(const canvas& c) {
  long long step = 1000;
  for (long long decade = 1000; step * c.columns < 10 * c.total; decade *= 10) {
    for (long long m : {1, 2, 5}) {
      step = decade * m;
      if (step * c.columns >= 10 * c.total) break;
    }
  }
  std::string axis = std::string(c.label + 1, ' ');
  // The unit goes in the margin, where it never collides with a label.
  std::string labels = std::string(c.label - 2, ' ') + "ms ";
  std::size_t labels_cols = 0;  // columns used so far in `labels` past the margin
  for (long long col = 0, next_tick = 0; col < c.columns; ++col) {
    if (col != c.column_of(c.t0 + nanoseconds(next_tick))) {
      axis += c.rule;
      continue;
    }
    axis += c.tick;
    const std::string text = format_ms(nanoseconds(next_tick), nanoseconds(step));
    const auto at = static_cast<std::size_t>(col);
    if (at >= labels_cols && at + text.size() <= static_cast<std::size_t>(c.columns)) {
      labels += std::string(at - labels_cols, ' ') + text;
      labels_cols = at + text.size() + 1;
      labels += ' ';
    }
    next_tick += step;
  }
  trim_right(labels);
  return axis + "\n" + labels + "\n";
}

std::string legend_of(const row_facts& facts, const canvas& c) {
  std::ostringstream legend;
  legend << "legend:";
  if (facts.any_running) legend << " " << c.running << " running";
  if (!facts.waited_on.empty()) {
    legend << (facts.any_running ? ", " : " ") << c.waiting << " waiting on ";
    for (std::size_t i = 0; i < facts.waited_on.size() && i < 3; ++i)
      legend << (i ? ", " : "") << facts.waited_on[i];
    if (facts.waited_on.size() > 3) legend << ", ...";
  }
  // "about": the scale is total / columns, rarely a round number.
  legend << "; one column " << (c.unicode ? "≈ " : "~ ")
         << format_ms(nanoseconds(c.total / c.columns), nanoseconds(c.total / c.columns)) << " ms";
  return wrap(legend.str(), static_cast<std::size_t>(c.width));
}

}  // namespace

std::string render_timeline(const std::vector<span_record>& spans,
                            const render_options& options) {
  if (spans.empty()) return "timeline: no spans were recorded\n";
  const auto lanes = lanes_of(spans, options.by_thread);
  const std::size_t shown =
      std::min(lanes.size(), static_cast<std::size_t>(std::max(1, options.max_lanes)));
  const canvas c = make_canvas(spans, lanes, shown, options);

  std::string out = title_of(spans, lanes.size(), c, options.by_thread);
  row_facts facts;
  for (std::size_t i = 0; i < shown; ++i) out += row_of(lanes[i], c, facts);
  if (lanes.size() > shown)
    out += "... and " + std::to_string(lanes.size() - shown) + " more " +
           (options.by_thread ? "threads" : "tasks") + "\n";
  return out + axis_of(c) + legend_of(facts, c);
}

// ---------------------------------------------------------------- trace

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string micros(nanoseconds t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(t.count()) / 1e3);
  return buf;
}

}  // namespace

void write_trace(const timeline& tl, std::ostream& out) {
  const auto spans = tl.spans();
  const auto lanes = lanes_of(spans, false);
  out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  out << R"({"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"lunch timeline"}})";
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const auto tid = std::to_string(i + 1);
    out << ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" << tid
        << ",\"args\":{\"name\":" << json_string(lanes[i].name) << "}}";
    out << ",\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":" << tid
        << ",\"args\":{\"sort_index\":" << tid << "}}";
  }
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    for (const auto* s : lanes[i].spans) {
      out << ",\n{\"name\":" << json_string(s->name) << ",\"cat\":\""
          << (s->waiting_on.empty() ? "running" : "waiting") << "\",\"ph\":\"X\",\"ts\":"
          << micros(s->start) << ",\"dur\":" << micros(std::max(s->end - s->start, nanoseconds(0)))
          << ",\"pid\":1,\"tid\":" << i + 1 << ",\"args\":{\"lane\":" << json_string(lanes[i].name)
          << ",\"thread\":" << s->thread;
      if (!s->waiting_on.empty()) out << ",\"waiting_on\":" << json_string(s->waiting_on);
      out << "}}";
    }
  }
  out << "\n]}\n";
}

void write_trace(const timeline& tl, const std::string& path) {
  std::ostringstream text;
  write_trace(tl, text);
  const std::string json = text.str();
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f)
    throw std::runtime_error("cannot write the trace to '" + path + "': " + std::strerror(errno));
  const bool written = std::fwrite(json.data(), 1, json.size(), f) == json.size();
  const int saved = errno;
  if (std::fclose(f) != 0 || !written)
    throw std::runtime_error("cannot write the trace to '" + path +
                             "': " + std::strerror(written ? errno : saved));
}

namespace {

// For --trace -: the JSON to the descriptor demo_cli kept for it.
void write_trace_to_fd(const timeline& tl, int fd) {
  std::ostringstream text;
  write_trace(tl, text);
  const std::string json = text.str();
  for (std::size_t done = 0; done < json.size();) {
    const ssize_t n = ::write(fd, json.data() + done, json.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error(std::string("cannot write the trace to standard output: ") +
                               std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

// ---------------------------------------------------------------- demos

void show(const demo_cli& cli, const timeline& tl, const render_options& options) {
  if (!cli.offers_timeline()) {
    // A programming error, caught by the demo's own --smoke test: without
    // offer_timeline() the demo refuses --timeline and --trace, so these
    // spans could never be seen.
    std::fflush(stdout);
    std::fprintf(stderr,
                 "lunch::show: demo %s records a timeline but does not offer --timeline and "
                 "--trace: call cli.offer_timeline() before cli.parse()\n",
                 cli.name().c_str());
    std::abort();
  }
  if (cli.timeline()) std::fputs(render_timeline(tl, options).c_str(), stdout);
  if (!cli.trace_file().empty()) {
    const bool to_stdout = cli.trace_file() == "-";
    try {
      if (to_stdout)
        write_trace_to_fd(tl, cli.trace_stdout());
      else
        write_trace(tl, cli.trace_file());
    } catch (const std::exception& e) {
      std::fflush(stdout);
      std::fprintf(stderr, "lunch: %s\n", e.what());
      std::exit(2);
    }
    // With --trace -, stdout now leads to stderr (see demo_cli::parse).
    std::printf("Wrote trace %s (%zu spans): open it in https://ui.perfetto.dev\n",
                to_stdout ? "to standard output" : cli.trace_file().c_str(), tl.size());
  }
  if (!cli.timeline() && cli.trace_file().empty() && !cli.smoke())
    std::printf("(--timeline draws what ran when; --trace FILE saves it for Perfetto)\n");
  std::fflush(stdout);
}

}  // namespace lunch
