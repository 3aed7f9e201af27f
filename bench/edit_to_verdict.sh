#!/usr/bin/env bash
# Edit -> verdict: how long a learner waits between saving an exercise file
# and reading what `lunch check` says about it.
#
#   bench/edit_to_verdict.sh [--runs N] [--no-reference] [EXERCISE...]
#                                        (default: every exercise, 5 runs)
#
# For each exercise: one warm-up check (it builds what the first check
# builds, such as the precompiled header), then N times: touch the exercise
# file, run `./lunch check NAME`, time it. Prints the median, the fastest
# and the slowest per exercise. The exercise's content is not changed, so
# the learner's work (and their progress) is untouched. A benchmark, never a
# test: the numbers depend on the machine and on what else it is doing, so
# it first prints a yardstick measured on the spot (--no-reference skips it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=5
reference=1
names=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --no-reference) reference=0; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "edit_to_verdict.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "edit_to_verdict.sh: --runs takes a whole number >= 1" >&2; exit 2; }
cd "$root"
if [[ ${#names[@]} -eq 0 ]]; then
  mapfile -t names < <(./lunch list --json | python3 -c 'import json,sys; [print(e["name"]) for e in json.load(sys.stdin)]')
fi

# The yardstick: how long this machine takes to compile a bare Asio
# coroutine "hello" (-O0 -g, no precompiled header), the least a learner
# would wait without this course's build. Machines, and one machine from
# hour to hour, differ: compare the table with this line, not with another
# day's table. --no-reference skips it.
if [[ $reference == 1 ]]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  cat > "$scratch/hello.cpp" <<'HELLO'
#include <boost/asio.hpp>
#include <cstdio>
namespace net = boost::asio;
net::awaitable<void> hello() {
  net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(1));
  co_await t.async_wait(net::use_awaitable);
  std::puts("hello");
}
int main() {
  net::io_context ctx;
  net::co_spawn(ctx, hello(), net::detached);
  ctx.run();
}
HELLO
  ref=()
  for _ in 1 2 3; do
    t0=$EPOCHREALTIME
    "${CXX:-c++}" -std=c++20 -O0 -g -c "$scratch/hello.cpp" -o "$scratch/hello.o"
    t1=$EPOCHREALTIME
    ref+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
  done
  printf 'yardstick: a bare Asio coroutine hello compiles in %s s here (median of %s; -O0 -g, no PCH)\n' \
    "$(printf '%s\n' "${ref[@]}" | sort -n | sed -n 2p)" "${ref[*]}"
fi

printf '%-22s %8s %8s %8s   (%d runs, seconds, %s)\n' exercise median min max "$runs" "$(nproc) cores"
for name in "${names[@]}"; do
  file=$(./lunch list --json | python3 -c 'import json,sys; n=sys.argv[1]; print([e["exercise_file"] for e in json.load(sys.stdin) if e["name"]==n][0])' "$name")
  ./lunch check "$name" >/dev/null 2>&1 || true   # warm-up
  times=()
  for _ in $(seq "$runs"); do
    touch "$file"
    t0=$EPOCHREALTIME
    ./lunch check "$name" >/dev/null 2>&1 || true
    t1=$EPOCHREALTIME
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$name" '
    { v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%-22s %8.2f %8.2f %8.2f\n", n, m, v[1], v[NR] }'
done
