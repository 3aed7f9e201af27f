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

int cmd_watch(session& s, const std::string& key, bool manual) {
  const exercise* current = key.empty() ? s.next() : &s.exercise_or_throw(key);
  if (!current) {
    std::printf("Every exercise is solved: nothing to watch.\n");
    return 0;
  }
  raw_keys keys;
  bool stdin_closed = false;
  const bool tty = ui::interactive();

  auto run_check = [&] {
    if (tty) std::printf("\033[2J\033[H");  // a clean screen for each verdict
    const bool ok = report_check(s, *current) == 0;
    if (!manual)
      std::printf("\n%s\n", ui::dim("Watching " + current->file + ": save it to check again.").c_str());
    print_keys(ok, manual);
    return ok;
  };

  file_stamp seen = stamp_of(s.c.root / current->file);
  bool passed = run_check();
  for (;;) {
    const char c = read_command(keys.active(), std::chrono::milliseconds(250), &stdin_closed);
    switch (c) {
      case 'q':
      case 'Q':
        return 0;
      case 'h':
        cmd_hint(s, current->name, false);
        print_keys(passed, manual);
        continue;
      case 'l':
        cmd_list(s, false);
        print_keys(passed, manual);
        continue;
      case 'r':
      case '\n':
        if (c == '\n' && !manual) continue;
        passed = run_check();
        seen = stamp_of(s.c.root / current->file);
        continue;
      case 's':
        if (passed) cmd_solution(s, current->name, false, false);
        print_keys(passed, manual);
        continue;
      case 'n':
        if (!passed) {
          std::printf("%s is not solved yet; press q and run ./lunch watch OTHER to switch.\n",
                      current->name.c_str());
          continue;
        }
        current = s.next();
        if (!current) {
          std::printf("Every exercise is solved. Well done!\n");
          return 0;
        }
        seen = stamp_of(s.c.root / current->file);
        passed = run_check();
        continue;
      default:
        break;
    }
    if (manual) continue;
    const file_stamp now = stamp_of(s.c.root / current->file);
    if (now == seen) continue;
    // Editors often write a file in several steps: wait until it settles.
    file_stamp settled = now;
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(120));
      seen = settled;
      settled = stamp_of(s.c.root / current->file);
    } while (!(settled == seen));
    if (settled.size < 0) {
      std::printf("%s has disappeared; restore it with ./lunch reset %s\n",
                  current->file.c_str(), current->name.c_str());
      continue;
    }
    passed = run_check();
  }
}

}  // namespace lunch::runner
