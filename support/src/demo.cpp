// CLI11 behind lunch::demo_cli, compiled once for every demo.
#include "lunch/demo.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>

namespace lunch {

struct demo_cli::impl {
  std::string name;
  CLI::App app;
  impl(std::string n, const std::string& description)
      : name(std::move(n)), app(description, "demo " + name) {}
};

demo_cli::demo_cli(std::string name, std::string description)
    : impl_(std::make_unique<impl>(std::move(name), description)) {
  auto& app = impl_->app;
  app.add_flag("--smoke", smoke_,
               "smallest settings, for the test suite");
  app.add_flag("--timeline", timeline_,
               "draw what ran when, as a timeline in the terminal");
  app.add_option("--trace", trace_file_,
                 "write a Chrome trace (open in ui.perfetto.dev)")
      ->type_name("FILE");
}

demo_cli::~demo_cli() = default;

demo_cli& demo_cli::option(const std::string& flag, int& value,
                           const std::string& help, int min, int max) {
  impl_->app.add_option(flag, value, help)
      ->capture_default_str()
      ->check(CLI::Range(min, max));
  return *this;
}

demo_cli& demo_cli::option(const std::string& flag,
                           std::chrono::milliseconds& value,
                           const std::string& help, int min_ms, int max_ms) {
  // Parsed as a plain number of milliseconds: "--latency 50".
  impl_->app
      .add_option_function<int>(
          flag, [&value](int ms) { value = std::chrono::milliseconds(ms); },
          help + " (ms)")
      ->default_str(std::to_string(value.count()))
      ->check(CLI::Range(min_ms, max_ms))
      ->type_name("MS");
  return *this;
}

demo_cli& demo_cli::option(const std::string& flag, std::string& value,
                           const std::string& help) {
  impl_->app.add_option(flag, value, help)->capture_default_str();
  return *this;
}

demo_cli& demo_cli::flag(const std::string& flag, bool& value,
                         const std::string& help) {
  impl_->app.add_flag(flag, value, help);
  return *this;
}

void demo_cli::parse(int argc, char** argv) {
  try {
    impl_->app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(impl_->app.help().c_str(), stdout);
    std::exit(0);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "demo %s: %s\n", impl_->name.c_str(), e.what());
    std::exit(2);
  }
}

}  // namespace lunch
