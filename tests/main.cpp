// The one doctest main of the course, compiled once and linked into every
// test program. It registers the "lunch" reporter and makes it the default.
//
// Why a reporter of our own: doctest's console output is written for people
// who know doctest. A learner needs three things when a check fails: which
// behaviour is missing (the test's name and message), where (file:line), and
// what was observed (the values). Everything else is noise.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cxxabi.h>

#include <cstdio>
#include <exception>
#include <typeinfo>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>
#include <cstdlib>

#include "lunch/protocol.hpp"

namespace {

// `lunch check` passes --first-failure: a learner needs the first failing
// behaviour, fast. doctest's own --abort-after counts failed assertions but
// not exceptions, and a hung exercise throws at every test's deadline.
bool stop_at_first_failure = false;

// Indents every line after the first, so a multi-line message stays inside
// its block.
std::string indent(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += "        ";
  }
  return out;
}

// Test programs are compiled from the build folder, so __FILE__ reads
// "../tests/...". Shown from the repository's root, a learner can click it.
const char* from_root(const char* file) {
  while (std::strncmp(file, "../", 3) == 0) file += 3;
  return file;
}

// The type of the exception being handled now, demangled, or "".
std::string exception_type() {
  const std::type_info* t = abi::__cxa_current_exception_type();
  if (!t) return "";
  int status = 0;
  char* name = abi::__cxa_demangle(t->name(), nullptr, nullptr, &status);
  std::string out = name && status == 0 ? name : t->name();
  std::free(name);
  return out;
}

class lunch_reporter : public doctest::IReporter {
 public:
  explicit lunch_reporter(const doctest::ContextOptions& options)
      : out_(*options.cout) {}

  void report_query(const doctest::QueryData& q) override {
    for (unsigned i = 0; i < q.num_data; ++i)
      out_ << q.data[i]->m_test_suite << ": " << q.data[i]->m_name << "\n";
  }
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& s) override {
    const unsigned failed = s.numTestCasesFailed;
    out_ << "\n"
         << (s.numTestCasesPassingFilters - failed) << " passed, " << failed
         << " failed\n";
    out_.flush();
  }
  void test_case_start(const doctest::TestCaseData& tc) override {
    current_ = &tc;
    case_failed_ = false;
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& s) override {
    const bool failed = s.failure_flags != 0 || case_failed_;
    if (!failed) out_ << lunch::protocol::passed_prefix << name() << "\n";
    out_.flush();
    // After a crash, doctest raises the signal again once this returns: the
    // process must die of it, so that the runner sees the signal and can
    // look for where it happened.
    const bool crashed = (s.failure_flags & doctest::TestCaseFailureReason::Crash) != 0;
    if (failed && stop_at_first_failure && !crashed) {
      out_ << "\n(stopped at the first failure)\n";
      out_.flush();
      std::fflush(stdout);
      std::_Exit(1);
    }
  }
  void test_case_exception(const doctest::TestCaseException& e) override {
    header();
    // doctest calls this from inside its catch block, so the exception's
    // type can still be asked for. A TODO and a deadline report speak for
    // themselves; any other exception is shown with its type.
    std::string type = e.is_crash ? "" : exception_type();
    if (type == "lunch::todo_error" || type == "lunch::deadline_exceeded") type.clear();
    out_ << "        " << (e.is_crash ? "crashed: " : "threw: ")
         << (type.empty() ? "" : type + ": ") << indent(e.error_string.c_str()) << "\n";
    const int n = doctest::IReporter::get_num_stringified_contexts();
    const doctest::String* ctx = doctest::IReporter::get_stringified_contexts();
    for (int i = n - 1; i >= 0; --i) out_ << "        " << ctx[i].c_str() << "\n";
    out_.flush();
  }
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}

  void log_assert(const doctest::AssertData& a) override {
    if (!a.m_failed) return;
    std::lock_guard lock(mutex_);  // asserts may come from several threads
    header();
    // The messages a test attached (INFO / CHECK_MESSAGE) say, in words,
    // what behaviour is missing: they come first.
    const int n = doctest::IReporter::get_num_active_contexts();
    const doctest::IContextScope* const* ctx =
        doctest::IReporter::get_active_contexts();
    for (int i = 0; i < n; ++i) {
      std::ostringstream line;
      ctx[i]->stringify(&line);
      out_ << "        " << indent(line.str()) << "\n";
    }
    out_ << "        at " << from_root(a.m_file) << ":" << a.m_line << "\n";
    if (a.m_threw) {
      out_ << "        threw: " << indent(a.m_exception.c_str()) << "\n";
    } else {
      out_ << "        check: " << a.m_expr << "\n";
      if (a.m_decomp.size() && std::strcmp(a.m_decomp.c_str(), a.m_expr) != 0)
        out_ << "        values: " << a.m_decomp.c_str() << "\n";
    }
    out_.flush();
  }
  void log_message(const doctest::MessageData& m) override {
    if (!(m.m_severity & doctest::assertType::is_warn) &&
        !(m.m_severity & doctest::assertType::is_check) &&
        !(m.m_severity & doctest::assertType::is_require))
      return;
    std::lock_guard lock(mutex_);
    if (m.m_severity & doctest::assertType::is_warn) {
      out_ << "  note  " << m.m_string.c_str() << "\n";
      return;
    }
    header();
    out_ << "        " << m.m_string.c_str() << "\n        at " << from_root(m.m_file)
         << ":" << m.m_line << "\n";
  }
  void test_case_skipped(const doctest::TestCaseData&) override {}

 private:
  std::string name() const {
    return std::string(current_->m_test_suite) + ": " + current_->m_name;
  }
  // The first failure of a test case prints its name once.
  void header() {
    if (case_failed_) return;
    case_failed_ = true;
    out_ << lunch::protocol::failed_prefix << name() << "\n";
  }

  std::ostream& out_;
  std::mutex mutex_;
  const doctest::TestCaseData* current_ = nullptr;
  bool case_failed_ = false;
};

}  // namespace

REGISTER_REPORTER("lunch", 1, lunch_reporter);

namespace {

// An exception that escapes a noexcept function or a thread's function ends
// the program through std::terminate. The C++ runtime's own message goes to
// stderr too, but it does not say which test was running; this one does,
// and the runner looks for its prefix.
[[noreturn]] void on_terminate() {
  std::string what = "std::terminate was called without an active exception";
  if (std::exception_ptr e = std::current_exception()) {
    what = "an exception escaped and nobody caught it: " + exception_type();
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what += std::string(": ") + x.what();
    } catch (...) {
    }
  }
  std::fflush(stdout);
  std::fprintf(stderr, "\n%.*s%s\n",
               static_cast<int>(lunch::protocol::terminate_prefix.size()),
               lunch::protocol::terminate_prefix.data(), what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace

int main(int argc, char** argv) {
  std::set_terminate(on_terminate);
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (argv[i] == lunch::protocol::first_failure_flag)
      stop_at_first_failure = true;
    else
      args.push_back(argv[i]);
  }
  doctest::Context context;
  context.setOption("reporters", "lunch");
  context.setOption("no-intro", true);
  context.applyCommandLine(static_cast<int>(args.size()), args.data());
  return context.run();
}
