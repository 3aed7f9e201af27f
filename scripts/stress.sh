#!/usr/bin/env bash
# Runs the solutions suite many times while other processes keep every core
# busy, and reports failures per test: a flaky test shows up here, not in a
# learner's face.
#
#   scripts/stress.sh [--runs N] [--build DIR] [--suite S]...
#       --runs N     how many rounds (default 20)
#       --build DIR  a configured build folder (default build/)
#       --suite S    which suites (default: solutions); may be repeated
#
# Exit status 0 when every run of every test passed, 1 otherwise, 2 on bad
# input. The busy loops stop when the script does, however it ends.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
runs=20
build="$root/build"
suites=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=${2:-}; shift 2 ;;
    --build) build=${2:-}; shift 2 ;;
    --suite) suites+=(--suite "${2:-}"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "stress.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "stress.sh: --runs takes a whole number >= 1" >&2; exit 2; }
[[ -f $build/build.ninja ]] || { echo "stress.sh: $build is not a configured build folder (run ./lunch first)" >&2; exit 2; }
[[ ${#suites[@]} -gt 0 ]] || suites=(--suite solutions)

ninja -C "$build" >/dev/null
hogs=()
stop_hogs() { [[ ${#hogs[@]} -gt 0 ]] && kill "${hogs[@]}" 2>/dev/null; wait 2>/dev/null || true; }
trap stop_hogs EXIT
for _ in $(seq "$(nproc)"); do
  (while :; do :; done) &
  hogs+=($!)
done

declare -A failures=()
start=$SECONDS
for i in $(seq "$runs"); do
  log=$(mktemp)
  if meson test -C "$build" --no-rebuild "${suites[@]}" >"$log" 2>&1; then
    printf 'run %2d/%d: ok\n' "$i" "$runs"
  else
    bad=$(grep -E '^ *[0-9]+/[0-9]+ .* (FAIL|TIMEOUT|ERROR) ' "$log" | sed -E 's/^ *[0-9]+\/[0-9]+ [^ ]+ \/ (.*) +(FAIL|TIMEOUT|ERROR).*/\1/' | sed 's/ *$//')
    printf 'run %2d/%d: failed: %s\n' "$i" "$runs" "$(echo "$bad" | paste -sd, -)"
    while IFS= read -r t; do [[ -n $t ]] && failures[$t]=$(( ${failures[$t]:-0} + 1 )); done <<<"$bad"
    cp "$build/meson-logs/testlog.txt" "$build/meson-logs/stress-run-$i.txt"
  fi
  rm -f "$log"
done

echo
echo "$runs runs in $((SECONDS - start)) s with $(nproc) busy loops beside them."
if [[ ${#failures[@]} -eq 0 ]]; then
  echo "stress: $runs passed, 0 failed"
  exit 0
fi
for t in "${!failures[@]}"; do printf '  %-40s failed %d of %d runs\n' "$t" "${failures[$t]}" "$runs"; done
echo "stress: logs of the failed runs are in $build/meson-logs/stress-run-*.txt"
exit 1
