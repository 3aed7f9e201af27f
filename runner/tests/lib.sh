# Shared by the runner's test scripts: a scratch copy of the course, and
# ok/bad/expect helpers that print the reporter's "ok"/"FAIL" lines.
# Sourced, not run.

passed=0
failed=0
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() {
  failed=$((failed + 1))
  printf '  FAIL  %s\n' "$1"
  [[ -n ${2:-} ]] && printf '%s\n' "$2" | head -30 | sed 's/^/        /'
}

# make_scratch SRC DEST: DEST becomes a git repository holding the course of
# SRC: its working tree (tracked files and new ones git does not ignore), so
# a maintainer's uncommitted work is what gets tested, except exercises/,
# which comes from SRC's HEAD: a learner's edits there must never change
# what the course's own tests see. Nothing is written inside SRC.
make_scratch() {
  local src=$1 dest=$2
  mkdir -p "$dest"
  (cd "$src" && git ls-files -co --exclude-standard -z -- . ':!exercises' | xargs -0 tar cf - 2>/dev/null) |
    tar xf - -C "$dest"
  git -C "$src" archive HEAD exercises | tar xf - -C "$dest"
  git -C "$dest" init -q
  git -C "$dest" add -A
  git -C "$dest" -c user.name=t -c user.email=t@t commit -qm shipped
}

# lunch ARGS...: runs the command under test (set $lunch_cmd), with a time
# limit, no terminal, output in $scratch/out and status in $scratch/rc.
lunch() { timeout 600 "${lunch_cmd[@]}" "$@" </dev/null >"$scratch/out" 2>&1; echo $? >"$scratch/rc"; }
out() { cat "$scratch/out"; }
rc() { cat "$scratch/rc"; }
# expect NAME STATUS PATTERN: the last command exited with STATUS and said PATTERN.
expect() {
  if [[ $(rc) == "$2" ]] && grep -qE -- "$3" "$scratch/out"; then ok "$1"
  else bad "$1 (exit $(rc), wanted $2 and /$3/)" "$(out)"; fi
}

finish() {
  echo
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
