#!/usr/bin/env bash
# The runner end to end: a scratch copy of the course, configured and built
# from nothing by the real ./lunch, then checked the way a learner would:
# failing, passing, broken in every way a learner can break it, and watched.
# Usage: test_lunch.sh REPO_ROOT
#
# Every command runs under `timeout`, so a runner that hangs fails the test
# instead of hanging it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

src=${1:?usage: test_lunch.sh REPO_ROOT}
scratch=$(mktemp -d /tmp/lunch-runner-test.XXXXXX)
watch_pid=
cleanup() {
  [[ -n $watch_pid ]] && kill "$watch_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

repo=$scratch/repo
make_scratch "$src" "$repo"
export LUNCH_BUILD=$scratch/build NO_COLOR=1
unset LUNCH_ROOT
lunch_cmd=("$repo/lunch")

ex=exercises/01_futures/sleep_for.hpp
sol=solutions/01_futures/sleep_for.hpp
# A broken version of the exercise: the solution with one line added.
break_with() {
  cp "$repo/$sol" "$repo/$ex"
  python3 - "$repo/$ex" "$1" <<'PY'
import sys
path, line = sys.argv[1], sys.argv[2]
s = open(path).read()
target = "  co_await timer.async_wait(net::use_awaitable);"
assert target in s
open(path, "w").write(s.replace(target, line + "\n" + target))
PY
}

echo "first run: configure and build in a scratch copy"
lunch
expect "./lunch configures, builds and shows the next exercise" 0 "Next: thread_per_task"

lunch check sleep_for;          expect "as shipped, the exercise fails with its TODO" 1 "TODO: sleep_for"
lunch list --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=[x for x in d if x["name"]=="sleep_for"][0]; assert e["status"]=="failing", e' "$scratch/out"
then ok "list --json records the failure"; else bad "list --json records the failure" "$(out)"; fi

cp "$repo/$sol" "$repo/$ex"
lunch check sleep_for;          expect "with the solution copied over, it passes" 0 "PASS"
lunch list;                     expect "list marks it solved" 0 "solved +sleep_for"
lunch;                          expect "a solved exercise is no longer the next one" 0 "Next: thread_per_task"
lunch solution sleep_for;       expect "solution after solving: identical" 0 "identical"

break_with '  int broken = "not an int";'
lunch check sleep_for;          expect "a compile error shows the learner's line" 1 "sleep_for.hpp:[0-9]+:[0-9]+: error"
expect "a compile error says where the whole compiler output is" 1 "whole output: .*sleep_for.compile.log"
log=$(grep -oE '[^ ]*sleep_for.compile.log' "$scratch/out" | head -1)
[[ -n $log && -s $LUNCH_BUILD/lunch-logs/sleep_for.compile.log ]] && ok "the compiler's log is there" \
  || bad "the compiler's log is there" "$(out)"

break_with '  std::abort();'
lunch check sleep_for;          expect "abort() is named as a crash with its signal" 1 "SIGABRT"
expect "a crash shows the learner's file:line" 1 "exercises/01_futures/sleep_for.hpp:[0-9]+  in "

break_with '  int* nowhere = nullptr; *nowhere = 1;'
lunch check sleep_for;          expect "a segfault is named" 1 "SIGSEGV"
expect "a segfault shows the learner's file:line first" 1 "Where \(innermost first\):"
where=$(grep -A1 "Where (innermost first)" "$scratch/out" | tail -1)
[[ $where == *"$ex:"* ]] && ok "the first frame shown is in the learner's file" \
  || bad "the first frame shown is in the learner's file" "$(out)"

break_with '  std::thread([] { throw std::length_error("thrown on a thread"); }).join();'
lunch check sleep_for;          expect "an exception escaping a thread: std::terminate's cause is shown" 1 \
  "std::terminate: .*std::length_error: thrown on a thread"

break_with '  throw std::runtime_error("boom from the learner");'
lunch check sleep_for;          expect "an exception is shown with its type and message" 1 "std::runtime_error: boom from the learner"
break_with '  timer.expires_at(net::steady_timer::time_point::max());'
lunch check sleep_for;          expect "a deadlock is reported at the deadline" 1 "hung: the deadline passed"
break_with '  for (std::atomic<bool> spin{true}; spin.load();) {}'
lunch check sleep_for;          expect "an endless loop is stopped and reported" 1 "hung|did not finish"

# A test that forks a child which outlives it (in a session of its own):
# the verdict comes as soon as the test itself ends, and the child is gone.
break_with '  if (fork() == 0) { setsid(); std::this_thread::sleep_for(std::chrono::seconds(987)); }'
t0=$SECONDS
lunch check sleep_for;          expect "a forking test gets its verdict (it passes: the fork is harmless)" 0 "PASS"
(( SECONDS - t0 < 60 )) && ok "...without waiting for the forked child" || bad "...without waiting for the forked child ($((SECONDS - t0)) s)"
sleep 0.5
pgrep -f "$LUNCH_BUILD/tests/ex_sleep_for" >/dev/null && bad "the forked child is killed" "$(pgrep -af ex_sleep_for)" \
  || ok "the forked child is killed"

break_with '  std::vector<char> huge(std::size_t{20} << 30, 1);'
lunch check sleep_for;          expect "a runaway allocation is reported as too much memory" 1 "used too much memory"

# Ctrl-C during a check stops the test program too, before lunch exits.
break_with '  std::this_thread::sleep_for(std::chrono::seconds(40));'
timeout 300 ninja -C "$LUNCH_BUILD" tests/ex_sleep_for >/dev/null 2>&1
"$repo/lunch" check sleep_for </dev/null >"$scratch/out" 2>&1 &
check_pid=$!
sleep 1.5
kill -INT "$check_pid"
wait "$check_pid"; echo $? >"$scratch/rc"
expect "Ctrl-C stops lunch check with status 130" 130 "stopped"
sleep 0.3
pgrep -f "$LUNCH_BUILD/tests/ex_sleep_for" >/dev/null && bad "Ctrl-C leaves no test program running" "$(pgrep -af ex_sleep_for)" \
  || ok "Ctrl-C leaves no test program running"

mv "$repo/$ex" "$scratch/moved-away"
lunch check sleep_for;          expect "a deleted exercise points at lunch reset" 1 "lunch reset sleep_for"
mv "$scratch/moved-away" "$repo/$ex"

# Every exercise edited (here: broken) must not affect the course's own build
# and tests: neither the default build nor `./lunch test` compiles one.
for f in $(git -C "$repo" ls-files exercises); do echo 'this does not compile' >>"$repo/$f"; done
timeout 120 ninja -C "$LUNCH_BUILD" -n >"$scratch/out" 2>&1; echo $? >"$scratch/rc"
if [[ $(rc) == 0 ]] && ! grep -q "tests/ex_" "$scratch/out"; then ok "the default build never compiles a learner's exercise"
else bad "the default build never compiles a learner's exercise (ninja -n exit $(rc))" "$(out)"; fi
# (--no-rebuild: the default build was just shown to need no learner file,
# and building every solution here again would only cost minutes.)
# The quick suite runs two demo programs directly: build just those.
timeout 300 ninja -C "$LUNCH_BUILD" chapters/demo_01_futures_sequential \
  chapters/demo_02_join_spawn_http >/dev/null 2>&1
lunch test --suite runner-quick --no-rebuild; expect "./lunch test passes with every exercise broken" 0 "Ok: +1"
git -C "$repo" checkout -q -- exercises

# watch, without a terminal: plain lines, a check on start, another on save.
mkfifo "$scratch/keys"
timeout 300 "$repo/lunch" watch sleep_for <"$scratch/keys" >"$scratch/watch" 2>&1 &
watch_pid=$!
exec 3>"$scratch/keys"
wait_for() {  # wait_for COUNT PATTERN: until PATTERN appears COUNT times
  for _ in $(seq 600); do
    [[ $(grep -cE -- "$2" "$scratch/watch") -ge $1 ]] && return 0
    sleep 0.1
  done
  return 1
}
if wait_for 1 "^(PASS|FAIL)"; then ok "watch checks at once"; else bad "watch checks at once" "$(cat "$scratch/watch")"; fi
# Another terminal asks for hints while watch runs: watch's next save of
# progress must keep them.
"$repo/lunch" hint in_completion_order >/dev/null 2>&1
"$repo/lunch" hint in_completion_order >/dev/null 2>&1
sleep 1.1  # so the new modification time differs even on coarse clocks
cp "$repo/$sol" "$repo/$ex"
if wait_for 1 "^PASS"; then ok "watch re-checks when the file is saved"; else bad "watch re-checks when the file is saved" "$(cat "$scratch/watch")"; fi
echo q >&3
exec 3>&-
if wait "$watch_pid"; then ok "watch quits on q"; else bad "watch quits on q"; fi
watch_pid=
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["exercises"]; assert d["in_completion_order"]["hints_shown"] == 2, d; assert d["sleep_for"]["status"] == "solved", d' \
  "$repo/.lunch/progress.json" && ok "watch keeps what another command saved meanwhile" \
  || bad "watch keeps what another command saved meanwhile" "$(cat "$repo/.lunch/progress.json")"

# ./lunch through a symlink works from anywhere and leaves nothing beside the link.
mkdir "$scratch/elsewhere" && ln -s "$repo/lunch" "$scratch/elsewhere/lunch"
(cd "$scratch/elsewhere" && timeout 120 ./lunch list </dev/null >"$scratch/out" 2>&1; echo $? >"$scratch/rc")
# (The chapter titles come from the repository's chapters/*/README.md.)
expect "./lunch through a symlink finds the course" 0 "01_futures +[A-Z][a-z]+"

finish
