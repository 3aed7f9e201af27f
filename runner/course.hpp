// The course as the build describes it: chapters, exercises, demos, hints.
//
// Nothing here is a second, hand-written table. Each chapter's meson.build
// declares its exercises and demos; the build writes them to
// lunch-manifest.tsv, and this file reads that back.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lunch::runner {

namespace fs = std::filesystem;

struct exercise {
  std::string chapter;  // "01_futures"
  std::string name;     // "sleep_for"
  std::string file;     // exercises/01_futures/sleep_for.hpp (relative to root)
  std::string solution; // solutions/01_futures/sleep_for.hpp
  std::string test;     // tests/01_futures/test_sleep_for.cpp
  std::string hints;    // chapters/01_futures/hints.md
  std::string target;   // ninja target name: ex_sleep_for
  std::string binary;   // absolute path of the test program
  bool threads = false;
  std::string sanitize;  // "address" when the test runs under ASan, else ""
  std::string summary;
};

struct demo {
  std::string chapter;
  std::string name;
  std::string target;
  std::string binary;
  bool headline = false;
  std::vector<std::string> tour_args;
  std::string summary;
};

struct course {
  fs::path root;   // the repository
  fs::path build;  // its build folder
  std::vector<std::string> chapters;  // in order
  std::vector<exercise> exercises;    // in order
  std::vector<demo> demos;

  // Reads <build>/tests/lunch-manifest.tsv. Throws std::runtime_error with a
  // readable message when it is missing or malformed.
  static course load(const fs::path& root, const fs::path& build);

  // "sleep_for", "01/sleep_for", "01_futures/sleep_for". nullptr if none.
  const exercise* find_exercise(const std::string& key) const;
  // "01", "1", "01_futures", "futures". Empty if none.
  std::string find_chapter(const std::string& key) const;
  std::vector<const demo*> demos_of(const std::string& chapter) const;
  // The first "# " line of the chapter's README.md, or its folder name.
  std::string chapter_title(const std::string& chapter) const;
  // The path of a ninja target relative to the build folder.
  std::string target_path(const std::string& binary) const;
};

// The hints for one exercise, in order, from the chapter's hints.md:
// "## name" opens an exercise, each "### ..." under it one level.
std::vector<std::string> read_hints(const fs::path& hints_md,
                                    const std::string& exercise);

// The name of NAMES nearest to KEY, for "did you mean"; "" when none is near.
std::string closest(const std::string& key, const std::vector<std::string>& names);

}  // namespace lunch::runner
