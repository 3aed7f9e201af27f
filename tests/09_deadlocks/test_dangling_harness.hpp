// The half of test_dangling.cpp that does not depend on the exercise: the
// short summary printed after AddressSanitizer's report. It is compiled
// once, with the course, and without ASan: it only reads the report's text.
#pragma once

namespace dangling_harness {

// Given ASan's whole report, prints to stderr the three facts that matter:
// the kind of error, where the bad access was, and whose memory it was (who
// freed it, or which returned function's local it was). `lunch check` shows
// the last lines a dying test printed, so these come last. Installed with
// __asan_set_error_report_callback in the ASan build of the test.
void summarise(const char* report);

}  // namespace dangling_harness
