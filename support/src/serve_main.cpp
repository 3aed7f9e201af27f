// lunch-serve: the course's latency server in the foreground, for curl and
// for live demos (`lunch serve ...` runs this program).
//
// It prints its URL first, on a line of its own, so that a script (or the
// test suite) can read the first line and start talking to it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <string>

#include "lunch/http.hpp"

namespace net = boost::asio;

namespace {

// One line on stderr and exit status 2: the course's rule for bad input.
[[noreturn]] void usage_error(std::string message) {
  for (auto& c : message)
    if (c == '\n') c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  std::fprintf(stderr, "lunch serve: %s\n", message.c_str());
  std::exit(2);
}

std::string clock_time() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min,
                local.tm_sec, static_cast<int>(ms));
  return buf;
}

// Every number on the command line is taken as text and checked here, in
// full: CLI11 would read "nan" as a rate (and its range check would let it
// through, since every comparison with nan is false), "0x10" as a port and
// "-1" as a seed near 2^64.
template <class T>
T whole_number(const char* flag, const std::string& text, T low, T high) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < low ||
      value > high)
    usage_error(std::string(flag) + " takes a whole number from " + std::to_string(low) + " to " +
                std::to_string(high) + ", not '" + text + "'");
  return value;
}

std::chrono::milliseconds milliseconds(const char* flag, const std::string& text, long long low,
                                       long long high) {
  return std::chrono::milliseconds(whole_number(flag, text, low, high));
}

// A share in [0, 1]; nan and inf are refused like any other non-number.
double rate(const char* flag, const std::string& text) {
  double value = 0.0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(value) || value < 0.0 || value > 1.0)
    usage_error(std::string(flag) + " takes a number from 0 to 1, not '" + text + "'");
  return value;
}

// The flags as typed, with their defaults; read_options() turns them into
// numbers.
struct flags {
  std::string port = "0", latency = "0", jitter = "0", max_in_flight = "0", fail_rate = "0",
              seed = "1", header_timeout = "10000", body_timeout = "10000",
              idle_timeout = "30000", max_connections = "0";
};

void declare(CLI::App& app, flags& f) {
  const auto add = [&](const char* name, std::string& into, const char* type, const char* what) {
    app.add_option(name, into, what)->type_name(type)->capture_default_str();
  };
  add("--port", f.port, "PORT", "port on 127.0.0.1 (0 = any free port)");
  add("--latency", f.latency, "MS", "milliseconds before each answer (up to 600000)");
  add("--jitter", f.jitter, "MS", "each latency varies by up to +/- this");
  add("--max-in-flight", f.max_in_flight, "N",
      "answer 429 above this many requests in flight (0 = no limit)");
  add("--fail-rate", f.fail_rate, "P", "share of requests answered 500, from 0 to 1");
  add("--seed", f.seed, "N", "seed of the jitter and the failures");
  add("--header-timeout", f.header_timeout, "MS",
      "close a connection whose request header takes longer");
  add("--body-timeout", f.body_timeout, "MS",
      "close a connection whose request body (or answer) takes longer");
  add("--idle-timeout", f.idle_timeout, "MS", "close a kept-alive connection idle for longer");
  add("--max-connections", f.max_connections, "N",
      "connections open at once; beyond it the longest-idle one is closed "
      "(0 = what ulimit -n allows)");
}

lunch::server_options read_options(const flags& f) {
  constexpr long long hour = 3'600'000;
  lunch::server_options o;
  o.port = whole_number<unsigned short>("--port", f.port, 0, 65535);
  o.latency = milliseconds("--latency", f.latency, 0, 600'000);
  o.jitter = milliseconds("--jitter", f.jitter, 0, 600'000);
  o.max_in_flight = whole_number("--max-in-flight", f.max_in_flight, 0, 1'000'000);
  o.fail_rate = rate("--fail-rate", f.fail_rate);
  o.seed = whole_number<std::uint64_t>("--seed", f.seed, 0, UINT64_MAX);
  o.header_timeout = milliseconds("--header-timeout", f.header_timeout, 1, hour);
  o.body_timeout = milliseconds("--body-timeout", f.body_timeout, 1, hour);
  o.idle_timeout = milliseconds("--idle-timeout", f.idle_timeout, 1, hour);
  o.max_connections = whole_number("--max-connections", f.max_connections, 0, 1'000'000);
  return o;
}

// The request log. Whoever reads it may stop reading (`lunch serve | head
// -1`): with SIGPIPE ignored the write fails instead of killing the server,
// and from then on the log is dropped while the serving goes on.
std::atomic<bool> logging{true};

// Called on the server's thread; one printf per line keeps lines whole.
void log_request(const lunch::request_record& r) {
  if (!logging) return;
  if (r.status == 0)
    std::printf("%s %s %s -> client left after %lld ms (in flight: %d)\n", clock_time().c_str(),
                r.method.c_str(), r.target.c_str(), static_cast<long long>(r.took.count()),
                r.in_flight);
  else
    std::printf("%s %s %s -> %d in %lld ms (in flight: %d)\n", clock_time().c_str(),
                r.method.c_str(), r.target.c_str(), r.status,
                static_cast<long long>(r.took.count()), r.in_flight);
  if (std::ferror(stdout)) logging = false;
}

// The server, or one line and exit status 2 when it cannot start.
std::unique_ptr<lunch::latency_server> start(const lunch::server_options& options) {
  try {
    return std::make_unique<lunch::latency_server>(options);
  } catch (const boost::system::system_error& e) {
    const std::string port = "port " + std::to_string(options.port);
    if (e.code() == net::error::address_in_use) usage_error(port + " is in use (try --port 0)");
    if (e.code() == net::error::access_denied)
      usage_error(port + " needs special privileges (try a port above 1023, or --port 0)");
    usage_error(e.what());
  } catch (const std::exception& e) {
    usage_error(e.what());  // an option the server refuses: still one line
  }
}

void print_banner(const std::string& url, const lunch::server_options& o) {
  std::printf("Serving on %s\n", url.c_str());
  const std::string limit = o.max_in_flight ? std::to_string(o.max_in_flight) : "unlimited";
  std::printf("  latency %lld ms, jitter +/- %lld ms, max in flight %s, fail rate %g, seed %llu\n",
              static_cast<long long>(o.latency.count()), static_cast<long long>(o.jitter.count()),
              limit.c_str(), o.fail_rate, static_cast<unsigned long long>(o.seed));
  std::printf("Try:\n  curl -i %shello\n  curl -i %sdelay/500\n  curl -i %sstatus/503\n",
              url.c_str(), url.c_str(), url.c_str());
  std::printf("Press Ctrl-C to stop.\n");
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout must end the log, not the process (see log_request).
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app("The course's local HTTP latency server, on 127.0.0.1.\n"
               "Paths: /delay/MS answers after MS ms, /status/CODE answers CODE (200-599), "
               "anything else answers 200 after the configured latency.",
               "lunch serve");
  flags typed;
  declare(app, typed);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    usage_error(e.what());
  }
  lunch::server_options options = read_options(typed);
  options.on_request = log_request;

  // Line-buffered even into a pipe: whoever started us waits for line one.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  // Installed before the URL is printed, so a SIGTERM sent as soon as the
  // URL is read is already handled and never kills the process abruptly.
  net::io_context signals_ctx;
  net::signal_set signals(signals_ctx, SIGINT, SIGTERM);

  const auto server = start(options);
  print_banner(server->url(), options);

  signals.async_wait([](const boost::system::error_code&, int) {});
  signals_ctx.run();  // returns once the signal has been handled

  server->stop();
  const auto s = server->stats();
  std::printf("\nStopped. received %llu, served %llu, peak in flight %d, 429s %llu, 500s %llu, "
              "abandoned %llu\n",
              static_cast<unsigned long long>(s.received),
              static_cast<unsigned long long>(s.served), s.peak_in_flight,
              static_cast<unsigned long long>(s.rejected),
              static_cast<unsigned long long>(s.failed),
              static_cast<unsigned long long>(s.abandoned));
  return 0;
}
