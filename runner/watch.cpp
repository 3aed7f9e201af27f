// `lunch watch`: re-check the current exercise every time it is saved.
//
// Change detection polls the file's modification time and size a few times a
// second. That is deliberately low-tech: inotify misses saves on network and
// container-mounted file systems, and editors that save by renaming a new
// file over the old one confuse watchers that follow the old inode.
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "commands.hpp"
#include "ui.hpp"

namespace lunch::runner {
namespace {

termios saved_termios;
bool termios_changed = false;

void restore_terminal() {
  if (termios_changed) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
  termios_changed = false;
}

void on_interrupt(int) {
  restore_terminal();
  _exit(130);
}

// Single key presses without Enter, while the terminal is ours.
class raw_keys {
 public:
  raw_keys() {
    if (!ui::interactive() || tcgetattr(STDIN_FILENO, &saved_termios) != 0) return;
    termios raw = saved_termios;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
      termios_changed = true;
      signal(SIGINT, on_interrupt);
      signal(SIGTERM, on_interrupt);
    }
  }
  ~raw_keys() { restore_terminal(); }
  raw_keys(const raw_keys&) = delete;
  raw_keys& operator=(const raw_keys&) = delete;
  bool active() const { return termios_changed; }
};

struct file_stamp {
  long long mtime_ns = -1;
  long long size = -1;
  bool operator==(const file_stamp&) const = default;
};

file_stamp stamp_of(const fs::path& p) {
  struct stat st {};
  if (stat(p.c_str(), &st) != 0) return {};
  return {static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec,
          static_cast<long long>(st.st_size)};
}

// Reads one command: a key on a terminal, the first letter of a line
// otherwise ('\n' for an empty line). 0 when nothing came within `wait`.
// Sets *closed when stdin has ended.
char read_command(bool raw, std::chrono::milliseconds wait, bool* closed) {
  if (*closed) {
    std::this_thread::sleep_for(wait);
    return 0;
  }
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return 0;
  if (raw) {
    char c = 0;
    if (read(STDIN_FILENO, &c, 1) != 1) *closed = true;
    return c;
  }
  std::string line;
  char c = 0;
  while (true) {
    const ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n != 1) {
      *closed = true;
      break;
    }
    if (c == '\n') break;
    line += c;
  }
  if (*closed && line.empty()) return 0;
  return line.empty() ? '\n' : line[0];
}

void print_keys(bool passed, bool manual) {
  std::string keys = passed ? "n: next exercise, s: see the reference solution, "
                            : (manual ? "Enter: check again, " : "");
  keys += "r: re-check, h: hint, l: list, q: quit";
  std::printf("\n%s\n", ui::dim(keys).c_str());
  std::fflush(stdout);
}

}  // namespace

namespace {

// One watch session: the exercise being watched, the last verdict and the
// file's last seen stamp. Progress is read again before each decision, so a
// `check` or `hint` run in another terminal is never overwritten.
class watcher {
 public:
  watcher(session& s, const exercise& first, bool manual)
      : s_(s), current_(&first), manual_(manual), tty_(ui::interactive()) {}

  int run() {
    seen_ = stamp();
    passed_ = check();
    for (;;) {
      const char c = read_command(keys_.active(), std::chrono::milliseconds(250), &stdin_closed_);
      if (const auto done = on_key(c)) return *done;
      if (!manual_ && saved()) passed_ = check();
    }
  }

 private:
  file_stamp stamp() const { return stamp_of(s_.c.root / current_->file); }

  bool check() {
    if (tty_) std::printf("\033[2J\033[H");  // a clean screen for each verdict
    const bool ok = report_check(s_, *current_) == 0;
    if (!manual_)
      std::printf("\n%s\n", ui::dim("Watching " + current_->file + ": save it to check again.").c_str());
    print_keys(ok, manual_);
    return ok;
  }

  // Acts on a key; returns an exit status when the watch is over.
  std::optional<int> on_key(char c) {
    switch (c) {
      case 'q':
      case 'Q':
        return 0;
      case 'h':
        s_.p.reload();
        cmd_hint(s_, current_->name, false);
        print_keys(passed_, manual_);
        break;
      case 'l':
        s_.p.reload();
        cmd_list(s_, false);
        print_keys(passed_, manual_);
        break;
      case 'r':
      case '\n':
        if (c == '\n' && !manual_) break;
        passed_ = check();
        seen_ = stamp();
        break;
      case 's':
        if (passed_) cmd_solution(s_, current_->name, false, false);
        print_keys(passed_, manual_);
        break;
      case 'n':
        return next();
      default:
        break;
    }
    return std::nullopt;
  }

  std::optional<int> next() {
    if (!passed_) {
      std::printf("%s is not solved yet; press q and run ./lunch watch OTHER to switch.\n",
                  current_->name.c_str());
      return std::nullopt;
    }
    s_.p.reload();
    current_ = s_.next();
    if (!current_) {
      std::printf("Every exercise is solved. Well done!\n");
      return 0;
    }
    seen_ = stamp();
    passed_ = check();
    return std::nullopt;
  }

  // True once the file has changed and settled (editors often write a file
  // in several steps).
  bool saved() {
    const file_stamp now = stamp();
    if (now == seen_) return false;
    file_stamp settled = now;
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(120));
      seen_ = settled;
      settled = stamp();
    } while (!(settled == seen_));
    if (settled.size < 0) {
      std::printf("%s has disappeared; restore it with ./lunch reset %s\n",
                  current_->file.c_str(), current_->name.c_str());
      return false;
    }
    return true;
  }

  session& s_;
  const exercise* current_;
  const bool manual_;
  const bool tty_;
  raw_keys keys_;
  bool stdin_closed_ = false;
  bool passed_ = false;
  file_stamp seen_;
};

}  // namespace

int cmd_watch(session& s, const std::string& key, bool manual) {
  const exercise* first = key.empty() ? s.next() : &s.exercise_or_throw(key);
  if (!first) {
    std::printf("Every exercise is solved: nothing to watch.\n");
    return 0;
  }
  return watcher(s, *first, manual).run();
}

}  // namespace lunch::runner
