#!/usr/bin/env bash
# The runner's own tests: drive the real ./lunch against a scratch copy of
# the repository, the way a learner would, and check what it says and how it
# exits. Usage: test_lunch.sh REPO_ROOT
#
# Every command runs under `timeout`, so a runner that hangs fails the test
# instead of hanging it.
set -uo pipefail

src=${1:?usage: test_lunch.sh REPO_ROOT}
scratch=$(mktemp -d /tmp/lunch-runner-test.XXXXXX)
watch_pid=
cleanup() {
  [[ -n $watch_pid ]] && kill "$watch_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() {
  failed=$((failed + 1))
  printf '  FAIL  %s\n' "$1"
  [[ -n ${2:-} ]] && printf '%s\n' "$2" | head -30 | sed 's/^/        /'
}

# The working tree as it is (tracked and new files, not build folders), in a
# fresh git repository so that `lunch reset` finds the shipped versions.
(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$scratch"
repo=$scratch/repo
mkdir "$repo" && (cd "$scratch" && find . -mindepth 1 -maxdepth 1 ! -name repo -exec mv {} repo/ \;)
git -C "$repo" init -q && git -C "$repo" add -A && git -C "$repo" -c user.name=t -c user.email=t@t commit -qm shipped

export LUNCH_BUILD=$scratch/build NO_COLOR=1
lunch() { timeout 600 "$repo/lunch" "$@" </dev/null >"$scratch/out" 2>&1; echo $? >"$scratch/rc"; }
out() { cat "$scratch/out"; }
rc() { cat "$scratch/rc"; }

ex=exercises/01_futures/sleep_for.hpp
sol=solutions/01_futures/sleep_for.hpp
# expect NAME STATUS PATTERN: the last command exited with STATUS and said PATTERN.
expect() {
  if [[ $(rc) == "$2" ]] && grep -qE -- "$3" "$scratch/out"; then ok "$1"
  else bad "$1 (exit $(rc), wanted $2 and /$3/)" "$(out)"; fi
}
# A broken version of the exercise: the solution with one line replaced.
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
expect "./lunch shows progress and the next exercise" 0 "Next: sleep_for"

lunch bogus;                    expect "an unknown command: exit 2" 2 "lunch: "
lunch check nosuch;             expect "an unknown exercise: exit 2" 2 "no exercise 'nosuch'"
lunch check sleep_fr;           expect "a typo gets a suggestion" 2 "did you mean 'sleep_for'"
lunch demo 99;                  expect "an unknown chapter: exit 2" 2 "no chapter '99'"
lunch demo 01 --tasks -3;       expect "a bad number for a demo: exit 2" 2 "--tasks"
lunch solution sleep_for;       expect "no solution before it is solved" 2 "not solved yet"
[[ $(wc -l <"$scratch/out") -eq 1 ]] && ok "bad input gets one line" || bad "bad input gets one line" "$(out)"

lunch check sleep_for;          expect "as shipped, the exercise fails with its TODO" 1 "TODO: sleep_for"
lunch list --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=[x for x in d if x["name"]=="sleep_for"][0]; assert e["status"]=="failing", e; assert e["exercise_file"]=="'$ex'"' "$scratch/out"
then ok "list --json records the failure"; else bad "list --json records the failure" "$(out)"; fi

cp "$repo/$sol" "$repo/$ex"
lunch check;                    expect "with the solution copied over, it passes" 0 "PASS"
lunch list;                     expect "list marks it solved" 0 "solved +sleep_for"
grep -q '"solved"' "$repo/.lunch/progress.json" && ok "progress is saved in .lunch/" || bad "progress is saved in .lunch/"
lunch;                          expect "the next exercise moves on" 0 "Next: block_on"
lunch solution sleep_for;       expect "solution after solving: identical" 0 "identical"

lunch hint block_on;            expect "the first hint" 0 "Hint 1 of"
lunch hint block_on;            expect "the second hint, remembered" 0 "Hint 2 of"

break_with '  int broken = "not an int";'
lunch check sleep_for;          expect "a compile error shows the learner's line" 1 "sleep_for.hpp:[0-9]+:[0-9]+: error"
break_with '  std::abort();'
lunch check sleep_for;          expect "abort() is named as a crash with its signal" 1 "SIGABRT"
break_with '  throw std::runtime_error("boom from the learner");'
lunch check sleep_for;          expect "an exception is shown with its message" 1 "boom from the learner"
break_with '  timer.expires_at(net::steady_timer::time_point::max());'
lunch check sleep_for;          expect "a deadlock is reported at the deadline" 1 "hung: the deadline passed"
break_with '  for (std::atomic<bool> spin{true}; spin.load();) {}'
lunch check sleep_for;          expect "an endless loop is stopped and reported" 1 "hung|did not finish"

break_with '  int broken = "not an int";'
timeout 120 ninja -C "$LUNCH_BUILD" -n >"$scratch/out" 2>&1; echo $? >"$scratch/rc"
if [[ $(rc) == 0 ]] && ! grep -q "ex_sleep_for" "$scratch/out"; then ok "the default build (./lunch test) never compiles a learner's exercise"
else bad "the default build (./lunch test) never compiles a learner's exercise" "$(out)"; fi

echo "precious learner work" >>"$repo/$ex"
lunch reset sleep_for;          expect "reset says where the backup went" 0 "saved your"
backup=$(find "$repo/.lunch/backups" -name sleep_for.hpp | head -1)
if [[ -n $backup ]] && grep -q "precious learner work" "$backup"; then ok "the backup holds the learner's version"
else bad "the backup holds the learner's version"; fi
cmp -s "$repo/$ex" <(git -C "$repo" show HEAD:$ex) && ok "the exercise is back as shipped" || bad "the exercise is back as shipped"

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
sleep 1.1  # so the new modification time differs even on coarse clocks
cp "$repo/$sol" "$repo/$ex"
if wait_for 1 "^PASS"; then ok "watch re-checks when the file is saved"; else bad "watch re-checks when the file is saved" "$(cat "$scratch/watch")"; fi
echo q >&3
exec 3>&-
if wait "$watch_pid"; then ok "watch quits on q"; else bad "watch quits on q"; fi
watch_pid=

echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
