#!/usr/bin/env bash
# The lunch commands that build nothing, run by this build's own `lunch`
# program against a scratch copy of the course.
# Usage: test_lunch_commands.sh REPO_ROOT LUNCH_PROGRAM BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

src=${1:?usage: test_lunch_commands.sh REPO_ROOT LUNCH_PROGRAM BUILD_DIR}
program=${2:?}
build=${3:?}
scratch=$(mktemp -d /tmp/lunch-commands-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
repo=$scratch/repo
make_scratch "$src" "$repo"

# The build's manifest names programs in the real build folder, but every
# file a command reads or writes (exercises, hints, .lunch/) is the copy's.
export LUNCH_ROOT=$repo LUNCH_BUILD=$build NO_COLOR=1
lunch_cmd=("$program")
ex=exercises/01_futures/sleep_for.hpp
sol=solutions/01_futures/sleep_for.hpp

lunch;                          expect "./lunch shows progress and the next exercise" 0 "Next: thread_per_task"
lunch bogus;                    expect "an unknown command: exit 2" 2 "lunch: "
lunch check nosuch;             expect "an unknown exercise: exit 2" 2 "no exercise 'nosuch'"
lunch check sleep_fr;           expect "a typo gets a suggestion" 2 "did you mean 'sleep_for'"
lunch hint 01/nosuch;           expect "an unknown chapter/exercise: exit 2" 2 "no exercise '01/nosuch'"
lunch demo 99;                  expect "an unknown chapter: exit 2" 2 "no chapter '99'"
lunch demo 01 sequentia;        expect "a misspelled demo gets a suggestion" 2 "did you mean 'sequential'"
lunch solution sleep_for;       expect "no solution before it is solved" 2 "not solved yet"
[[ $(wc -l <"$scratch/out") -eq 1 ]] && ok "bad input gets one line" || bad "bad input gets one line" "$(out)"
lunch solution sleep_for --force; expect "--force without a terminal asks for --yes" 2 "add --yes"
lunch solution sleep_for --force --yes; expect "--force --yes shows the diff" 0 "reference: $sol"

lunch list --json
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = [x["name"] for x in d]
assert len(names) == len(set(names)) > 0, names
e = [x for x in d if x["name"] == "sleep_for"][0]
assert e["exercise_file"] == sys.argv[2] and e["status"] == "not tried", e' "$scratch/out" "$ex"
then ok "list --json names every exercise once"; else bad "list --json names every exercise once" "$(out)"; fi

lunch hint block_on;            expect "the first hint" 0 "Hint 1 of"
lunch hint block_on;            expect "the second hint, remembered" 0 "Hint 2 of"
lunch hint block_on --all;      expect "--all shows every hint" 0 "Hint 3 of 3"
grep -q '"block_on"' "$repo/.lunch/progress.json" && ok "progress is saved in the copy's .lunch/" \
  || bad "progress is saved in the copy's .lunch/"
[[ ! -e $src/.lunch/progress.json ]] || ! grep -q "$scratch" "$src/.lunch/progress.json" \
  && ok "the real checkout's .lunch/ is not touched" || bad "the real checkout's .lunch/ is not touched"

lunch check "";                 expect "an empty exercise name: exit 2" 2 "may not be empty"
lunch reset sleep_for --all;    expect "reset NAME --all is refused" 2 "not both"
lunch demo --help;              expect "demo --help lists the demos" 0 "Usage: ./lunch demo"

# Commands running at once never lose each other's progress: every one of
# these hints is recorded, and the file stays whole.
mapfile -t names < <(python3 -c 'import json,sys; [print(x["name"]) for x in json.load(open(sys.argv[1]))]' <("$program" list --json))
for n in "${names[@]}"; do "$program" hint "$n" >/dev/null 2>&1 & done
wait
if python3 - "$repo/.lunch/progress.json" "${names[@]}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["exercises"]
missing = [n for n in sys.argv[2:] if d.get(n, {}).get("hints_shown", 0) < 1]
assert not missing, missing
PY
then ok "${#names[@]} hints at once: every one recorded, the file whole"
else bad "${#names[@]} hints at once: every one recorded, the file whole" "$(cat "$repo/.lunch/progress.json")"; fi
ls "$repo/.lunch" | grep -q 'progress.json.*\.' && bad "no temporary file is left behind" "$(ls "$repo/.lunch")" \
  || ok "no temporary file is left behind"

# A saved hint level beyond the hints there are (a course update removed
# one) is clamped, not a crash.
python3 - "$repo/.lunch/progress.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["exercises"]["block_on"]["hints_shown"] = 99
d["exercises"]["join_all"] = {"status": "failing", "hints_shown": -4, "last_checked": ""}
json.dump(d, open(p, "w"))
PY
lunch hint block_on;            expect "a hint level past the last one shows the last hint" 0 "Hint 3 of 3"
lunch hint join_all;            expect "a negative hint level starts at the first hint" 0 "Hint 1 of"

# A damaged progress file is set aside, never overwritten, however fast.
for i in 1 2 3; do echo '{ not json' >"$repo/.lunch/progress.json"; lunch list; done
[[ $(ls "$repo/.lunch" | grep -c 'progress.json.damaged') -eq 3 ]] && ok "three damaged files in a row are all kept" \
  || bad "three damaged files in a row are all kept" "$(ls "$repo/.lunch")"

# Where progress cannot be saved (here .lunch is a file, not a folder: a
# read-only folder would not stop root), the hint still shows, then a warning.
mv "$repo/.lunch" "$scratch/lunch-dir"
echo "not a folder" >"$repo/.lunch"
lunch hint sleep_for;           expect "progress that cannot be saved: the hint shows, then a warning" 0 \
  "Hint 1 of .*could not be saved|could not be saved"
grep -q "Hint 1 of" "$scratch/out" && ok "...and the hint itself is shown" || bad "...and the hint itself is shown" "$(out)"
rm "$repo/.lunch"; mv "$scratch/lunch-dir" "$repo/.lunch"

echo "precious learner work" >>"$repo/$ex"
lunch reset sleep_for;          expect "reset says where the backup went" 0 "saved your"
backup=$(find "$repo/.lunch/backups" -name sleep_for.hpp | head -1)
if [[ -n $backup ]] && grep -q "precious learner work" "$backup"; then ok "the backup holds the learner's version"
else bad "the backup holds the learner's version"; fi
cmp -s "$repo/$ex" <(git -C "$repo" show HEAD:$ex) && ok "the exercise is back as shipped" || bad "the exercise is back as shipped"
lunch reset sleep_for;          expect "resetting an untouched exercise changes nothing" 0 "Nothing to reset"
echo "first version" >>"$repo/$ex"; lunch reset sleep_for
echo "second version" >>"$repo/$ex"; lunch reset sleep_for
[[ $(grep -rl "first version" "$repo/.lunch/backups" | wc -l) -eq 1 && $(grep -rl "second version" "$repo/.lunch/backups" | wc -l) -eq 1 ]] \
  && ok "two resets in the same second keep both versions" || bad "two resets in the same second keep both versions" "$(find "$repo/.lunch/backups")"

# The scratch copy itself: exercises/ as committed, whatever the learner
# did to this checkout's (the reset above ran in the copy, hence HEAD there).
differs=
while IFS= read -r f; do
  cmp -s "$repo/$f" <(git -C "$src" show "HEAD:$f") || differs+=" $f"
done < <(git -C "$src" ls-tree -r --name-only HEAD exercises)
[[ -z $differs ]] && ok "the copy's exercises/ is the committed one, not a learner's edits" \
  || bad "the copy's exercises/ is the committed one, not a learner's edits" "differs:$differs"

# Demos' own behaviour, checked on the demo programs themselves: run directly,
# since `lunch demo` would build first (and `lunch test`, which runs this
# script, holds the build lock).
demo_prog=$build/chapters/demo_01_futures_sequential
lunch_cmd=("$demo_prog")
lunch --tasks abc;              expect "a word for a number is called one" 2 "'abc' is not a whole number"
lunch --tasks 0;                expect "a number out of range says so" 2 "'0' is out of range \\(give 1 to"
# Failed requests are counted and reported, with a non-zero exit, never
# timed as if they had succeeded.
lunch_cmd=("$build/chapters/demo_02_join_spawn_http")
lunch --smoke --fail-percent 100; expect "demo 02 http reports failed requests" 1 "requests failed; the first: GET .*status 500"
lunch_cmd=("$program")

# scripts/install-deps.sh on systems without apt: the command for that
# system, exit 2, and nothing run. A fake apt-get, sudo, dnf and pacman
# first on PATH record any call.
fakes=$scratch/fakes
mkdir -p "$fakes"
for tool in apt-get apt-cache sudo dnf pacman brew; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 0\n' "$tool" "$fakes" >"$fakes/$tool"
  chmod +x "$fakes/$tool"
done
deps() { PATH="$fakes:$PATH" LUNCH_OS_RELEASE="$scratch/os-release" lunch "$@"; }
lunch_cmd=("$repo/scripts/install-deps.sh")
printf 'ID=fedora\nVERSION_ID=40\n' >"$scratch/os-release"
deps;                           expect "install-deps on Fedora: the dnf command, exit 2" 2 "sudo dnf install .*boost-devel .*cli11-devel"
printf 'ID=arch\n' >"$scratch/os-release"
deps --slides;                  expect "install-deps on Arch: the pacman command, with --slides' packages" 2 "pacman -S --needed .*nlohmann-json.* chromium"
printf 'ID=gentoo\n' >"$scratch/os-release"
deps --check;                   expect "install-deps on an unknown system: what to install, exit 2" 2 "Boost >= 1.81"
[[ ! -e $fakes/called ]] && ok "install-deps touches nothing on those systems" \
  || bad "install-deps touches nothing on those systems" "$(cat "$fakes/called")"
lunch_cmd=("$program")

finish
