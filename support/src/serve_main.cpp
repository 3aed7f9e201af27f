// lunch-serve: the course's latency server in the foreground, for curl and
// for live demos (`lunch serve ...` runs this program).
//
// It prints its URL first, on a line of its own, so that a script (or the
// test suite) can read the first line and start talking to it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("The course's local HTTP latency server, on 127.0.0.1.\n"
               "Paths: /delay/MS answers after MS ms, /status/CODE answers CODE, "
               "anything else answers 200 after the configured latency.",
               "lunch serve");
  int port = 0, latency = 0, jitter = 0, max_in_flight = 0;
  double fail_rate = 0.0;
  std::uint64_t seed = 1;
  app.add_option("--port", port, "port on 127.0.0.1 (0 = any free port)")
      ->check(CLI::Range(0, 65535))->capture_default_str();
  app.add_option("--latency", latency, "milliseconds before each answer")
      ->check(CLI::Range(0, 600000))->type_name("MS")->capture_default_str();
  app.add_option("--jitter", jitter, "each latency varies by up to +/- this")
      ->check(CLI::Range(0, 600000))->type_name("MS")->capture_default_str();
  app.add_option("--max-in-flight", max_in_flight,
                 "answer 429 above this many requests in flight (0 = no limit)")
      ->check(CLI::Range(0, 1000000))->capture_default_str();
  app.add_option("--fail-rate", fail_rate, "share of requests answered 500")
      ->check(CLI::Range(0.0, 1.0))->type_name("P")->capture_default_str();
  app.add_option("--seed", seed, "seed of the jitter and the failures")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    usage_error(e.what());
  }

  // Line-buffered even into a pipe: whoever started us waits for line one.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  // Installed before the URL is printed, so a SIGTERM sent as soon as the
  // URL is read is already handled and never kills the process abruptly.
  net::io_context signals_ctx;
  net::signal_set signals(signals_ctx, SIGINT, SIGTERM);

  lunch::server_options options;
  options.port = static_cast<unsigned short>(port);
  options.latency = std::chrono::milliseconds(latency);
  options.jitter = std::chrono::milliseconds(jitter);
  options.max_in_flight = max_in_flight;
  options.fail_rate = fail_rate;
  options.seed = seed;
  // Called on the server's thread; one printf per line keeps lines whole.
  options.on_request = [](const lunch::request_record& r) {
    std::printf("%s %s %s -> %d in %lld ms (in flight: %d)\n", clock_time().c_str(),
                r.method.c_str(), r.target.c_str(), r.status,
                static_cast<long long>(r.took.count()), r.in_flight);
  };

  std::unique_ptr<lunch::latency_server> server;
  try {
    server = std::make_unique<lunch::latency_server>(options);
  } catch (const boost::system::system_error& e) {
    if (e.code() == net::error::address_in_use)
      usage_error("port " + std::to_string(port) + " is in use (try --port 0)");
    if (e.code() == net::error::access_denied)
      usage_error("port " + std::to_string(port) +
                  " needs special privileges (try a port above 1023, or --port 0)");
    usage_error(e.what());
  }

  const std::string url = server->url();
  std::printf("Serving on %s\n", url.c_str());
  const std::string limit = max_in_flight ? std::to_string(max_in_flight) : "unlimited";
  std::printf("  latency %d ms, jitter +/- %d ms, max in flight %s, fail rate %g, seed %llu\n",
              latency, jitter, limit.c_str(), fail_rate, static_cast<unsigned long long>(seed));
  std::printf("Try:\n  curl -i %shello\n  curl -i %sdelay/500\n  curl -i %sstatus/503\n",
              url.c_str(), url.c_str(), url.c_str());
  std::printf("Press Ctrl-C to stop.\n");

  signals.async_wait([](const boost::system::error_code&, int) {});
  signals_ctx.run();  // returns once the signal has been handled

  server->stop();
  const auto s = server->stats();
  std::printf("\nStopped. received %llu, served %llu, peak in flight %d, 429s %llu, 500s %llu\n",
              static_cast<unsigned long long>(s.received),
              static_cast<unsigned long long>(s.served), s.peak_in_flight,
              static_cast<unsigned long long>(s.rejected),
              static_cast<unsigned long long>(s.failed));
  return 0;
}
