// Tests of lunch/timeline.hpp: recording spans from several threads, the
// Chrome trace (parsed back with nlohmann::json) and the terminal picture
// (compared with a checked-in file).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lunch/timeline.hpp"

using namespace std::chrono_literals;

namespace {

lunch::span_record at(std::string name, std::string lane, std::string waiting_on, int thread,
                      std::chrono::milliseconds start, std::chrono::milliseconds end) {
  return {std::move(name), std::move(lane), std::move(waiting_on), thread, start, end};
}

// A fixed story: three GETs awaited one after another (a staircase), then
// three started together (bars over the same columns), and some parsing
// that runs on a second thread.
void fill_story(lunch::timeline& tl) {
  tl.add(at("GET /1", "in a row 1", "the server", 1, 0ms, 100ms));
  tl.add(at("GET /2", "in a row 2", "the server", 1, 100ms, 200ms));
  tl.add(at("GET /3", "in a row 3", "the server", 1, 200ms, 300ms));
  tl.add(at("GET /4", "together 1", "the server", 1, 300ms, 400ms));
  tl.add(at("GET /5", "together 2", "the server", 1, 300ms, 410ms));
  tl.add(at("GET /6", "together 3", "the server", 1, 300ms, 390ms));
  tl.add(at("parse", "together 1", "", 2, 400ms, 440ms));
  tl.add(at("parse", "together 2", "", 2, 440ms, 480ms));
  tl.add(at("parse", "together 3", "", 2, 480ms, 520ms));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t code_points(const std::string& line) {
  std::size_t n = 0;
  for (char c : line) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

TEST_SUITE("timeline") {

TEST_CASE("a scoped span records its name, lane, waiting-on label, thread and times") {
  lunch::timeline tl;
  {
    auto s = tl.span("GET /1", "task 1");
    s.waiting_on("the server");
    std::this_thread::sleep_for(2ms);
  }
  const auto id = tl.begin("parse", "task 1");
  tl.end(id);
  auto moved_from = tl.span("moved");
  auto kept = std::move(moved_from);
  kept.end();
  kept.end();  // a second end() records nothing more

  const auto spans = tl.spans();
  REQUIRE(spans.size() == 3);
  CHECK(spans[0].name == "GET /1");
  CHECK(spans[0].lane_name() == "task 1");
  CHECK(spans[0].waiting_on == "the server");
  CHECK(spans[0].thread == lunch::thread_index());
  CHECK(spans[0].end - spans[0].start >= 2ms);
  CHECK(spans[1].name == "parse");
  CHECK(spans[1].end >= spans[1].start);
  CHECK(spans[2].lane_name() == "moved");
}

TEST_CASE("threads get small stable indexes, and recording is thread-safe") {
  lunch::timeline tl;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&tl, t] {
      for (int i = 0; i < 1000; ++i) auto s = tl.span("work", "thread task " + std::to_string(t));
    });
  for (auto& t : threads) t.join();
  const auto spans = tl.spans();
  CHECK(spans.size() == 4000);
  std::set<std::pair<std::string, int>> lane_thread;
  for (const auto& s : spans) lane_thread.insert({s.lane, s.thread});
  CHECK_MESSAGE(lane_thread.size() == 4, "each thread keeps one index all along");
  std::set<int> indexes;
  for (const auto& [lane, thread] : lane_thread) indexes.insert(thread);
  CHECK(indexes.size() == 4);
  CHECK(*indexes.rbegin() < 100);  // small numbers, not raw thread ids
}

TEST_CASE("the Chrome trace parses as JSON and holds every span") {
  lunch::timeline tl;
  fill_story(tl);
  tl.add(at("odd \"name\"\n", "lane\\x", "", 3, 0ms, 1ms));
  std::ostringstream text;
  lunch::write_trace(tl, text);
  const auto trace = nlohmann::json::parse(text.str());

  std::map<int, std::string> track_names;
  std::vector<nlohmann::json> spans;
  for (const auto& e : trace.at("traceEvents")) {
    if (e.at("ph") == "M" && e.at("name") == "thread_name")
      track_names[e.at("tid").get<int>()] = e.at("args").at("name").get<std::string>();
    if (e.at("ph") == "X") spans.push_back(e);
  }
  REQUIRE(spans.size() == 10);
  int waiting = 0;
  for (const auto& e : spans) {
    CHECK(e.at("pid") == 1);
    const auto lane = e.at("args").at("lane").get<std::string>();
    CHECK_MESSAGE(track_names.at(e.at("tid").get<int>()) == lane,
                  "each lane is a track named after it");
    if (e.at("name") == "GET /5") {
      CHECK(e.at("ts").get<double>() == doctest::Approx(300000.0));
      CHECK(e.at("dur").get<double>() == doctest::Approx(110000.0));  // µs
      CHECK(e.at("args").at("thread") == 1);
      CHECK(e.at("args").at("waiting_on") == "the server");
      CHECK(lane == "together 2");
    }
    if (e.at("name") == "parse") {
      CHECK(e.at("args").at("thread") == 2);
      CHECK_FALSE(e.at("args").contains("waiting_on"));
    }
    if (e.at("name") == "odd \"name\"\n") CHECK(lane == "lane\\x");
    waiting += e.at("args").contains("waiting_on");
  }
  CHECK(waiting == 6);

  const std::string path = "test_support_timeline_trace.json";
  lunch::write_trace(tl, path);
  CHECK(nlohmann::json::parse(read_file(path)) == trace);
  std::remove(path.c_str());

  try {
    lunch::write_trace(tl, std::string("/no/such/folder/trace.json"));
    FAIL("writing to a missing folder must throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("/no/such/folder/trace.json") != std::string::npos);
  }
}

TEST_CASE("the terminal picture of fixed spans matches the checked-in one") {
  lunch::timeline tl;
  fill_story(tl);
  const std::string picture =
      lunch::render_timeline(tl, {.width = 72, .style = lunch::glyphs::unicode});
  if (std::getenv("LUNCH_UPDATE_EXPECTED")) {
    std::ofstream(LUNCH_EXPECTED_TIMELINE, std::ios::binary) << picture;
    MESSAGE("wrote " LUNCH_EXPECTED_TIMELINE);
  }
  const std::string expected = read_file(LUNCH_EXPECTED_TIMELINE);
  INFO("got:\n" << picture << "\nexpected (" LUNCH_EXPECTED_TIMELINE "):\n" << expected);
  CHECK(picture == expected);
}

TEST_CASE("the picture fits the width, can be plain ASCII, and collapses many lanes") {
  lunch::timeline tl;
  fill_story(tl);
  for (int width : {40, 60, 100, 200}) {
    const auto text = lunch::render_timeline(tl, {.width = width, .style = lunch::glyphs::ascii});
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      INFO("width " << width << ", line: " << line);
      CHECK(code_points(line) <= static_cast<std::size_t>(width));
    }
    for (char c : text) REQUIRE(static_cast<unsigned char>(c) < 0x80);
  }

  lunch::timeline many;
  for (int i = 0; i < 30; ++i)
    many.add(at("GET", "task " + std::to_string(i + 1), "x", 1, std::chrono::milliseconds(i),
                std::chrono::milliseconds(i + 10)));
  const auto text = lunch::render_timeline(many, {.width = 80, .max_lanes = 5});
  CHECK(text.find("task 5 ") != std::string::npos);
  CHECK(text.find("task 6 ") == std::string::npos);
  CHECK(text.find("... and 25 more tasks") != std::string::npos);

  const auto by_thread =
      lunch::render_timeline(tl, {.width = 80, .by_thread = true, .style = lunch::glyphs::ascii});
  CHECK(by_thread.find("\nthread 1 ") != std::string::npos);
  CHECK(by_thread.find("\nthread 2 ") != std::string::npos);
  CHECK(by_thread.find("in a row") == std::string::npos);

  CHECK(lunch::render_timeline(lunch::timeline{}).find("no spans") != std::string::npos);
}

}  // TEST_SUITE
