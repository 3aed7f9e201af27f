#!/usr/bin/env bash
# The README's two commands on bare Debian systems, as a new learner meets them.
#
#   .ci/bare_system.sh [--keep] [--clang] [--serial] [RELEASE[:tour]...]
#                                               default: bookworm trixie
#
# For each Debian release (bookworm = Debian 12, trixie = Debian 13):
#   1. a minimal root file system, `debootstrap --variant=minbase`, with git
#      added and nothing else: no compiler, no Boost, no meson;
#   2. this repository cloned into it from HEAD (uncommitted changes are not
#      part of the run);
#   3. inside it (chroot, as root: a bare system has no other user and no
#      sudo) `./lunch tour --no-pause`, which installs what is missing with
#      scripts/install-deps.sh, then `./lunch test`. RELEASE:tour stops
#      after the tour: the installer, the configuration, the demos' build
#      and the demos themselves are checked, the rest of the build is not.
# The releases run side by side (--serial: one after the other): much of
# a run is unpacking packages and waiting on tests, which leaves a core
# idle. Each line of output starts with its release's name.
# Every exit path (success, failure, Ctrl-C, the time limit) stops what runs
# inside, unmounts /proc, /sys and /dev, and deletes the root file system
# (--keep leaves it for a look: the path is printed). --clang then also
# builds and tests the solutions, demos and support library with the
# release's own clang (14 on Debian 12, 19 on Debian 13), warnings as errors.
#
# Needs root, debootstrap (scripts/install-deps.sh --bare-systems) and the
# Debian archive. Downloads are cached in $LUNCH_BARE_CACHE (default
# /var/cache/lunch-bare): debootstrap's .deb files as a tarball, apt's in a
# folder the chroot's /var/cache/apt/archives is mounted from. The cache
# saves downloads only; every run still installs everything from scratch
# into an empty folder.
#
# Environment: LUNCH_MIRROR (default: the host's Debian mirror, else
# http://deb.debian.org/debian), LUNCH_BARE_TIMEOUT (seconds per release,
# default 1200).
set -euo pipefail

keep=false
clang=false
serial=false
suites=()
declare -A tour_only=()
for arg in "$@"; do
  case $arg in
    --keep) keep=true ;;
    --clang) clang=true ;;
    --serial) serial=true ;;
    -h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bare_system.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    *)
      [[ $arg =~ ^[a-z]+(:tour)?$ ]] || {
        echo "bare_system.sh: '$arg' is not a Debian release name, optionally with :tour" >&2; exit 2; }
      suites+=("${arg%:tour}")
      if [[ $arg == *:tour ]]; then tour_only[${arg%:tour}]=1; fi ;;
  esac
done
[[ ${#suites[@]} -gt 0 ]] || suites=(bookworm trixie)

say() { printf 'bare-system: %s\n' "$*" >&2; }

[[ $(id -u) -eq 0 ]] || { say "needs root (debootstrap, chroot and mount)"; exit 2; }
command -v debootstrap >/dev/null || {
  say "debootstrap is not installed: scripts/install-deps.sh --bare-systems"; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
git -C "$repo" diff --quiet HEAD 2>/dev/null ||
  say "note: uncommitted changes in $repo are not part of this run (it clones HEAD)"

# The host's own Debian mirror, when it names one: the same registry the
# machine installs from.
mirror=${LUNCH_MIRROR:-}
if [[ -z $mirror ]]; then
  mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
           grep -v security | head -n1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
cache=${LUNCH_BARE_CACHE:-/var/cache/lunch-bare}
limit=${LUNCH_BARE_TIMEOUT:-1200}
[[ $limit =~ ^[1-9][0-9]*$ ]] || { say "LUNCH_BARE_TIMEOUT must be a whole number of seconds"; exit 2; }
arch=$(dpkg --print-architecture)
mkdir -p "$cache"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lunch-bare.XXXXXX")

# Stops every process whose root is inside $1, then unmounts everything
# below it, deepest first.
release_root() {
  local r=$1 p
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$r"* ]] && kill -KILL "${p#/proc/}" 2>/dev/null || true
  done
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "could not unmount $m"
  done < <(awk -v r="$r/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r)
}

cleanup() {
  local status=$? pid dir
  # The releases' runs first (they are this script's children), then
  # whatever still runs inside a root file system.
  for pid in $(jobs -p); do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for dir in "${suites[@]/#/$work/}"; do
    [[ -d $dir ]] && release_root "$dir"
  done
  if $keep; then
    say "kept the root file systems in $work"
  else
    rm -rf --one-file-system "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# debootstrap's own download cache: a tarball of the .deb files it needs.
bootstrap() {
  local suite=$1 dir=$2
  local tarball="$cache/$suite-$arch-minbase-git.tgz"
  local args=(--variant=minbase --include=git,ca-certificates --arch="$arch")
  if [[ ! -s $tarball ]]; then
    say "$suite: downloading the base system from $mirror (once; cached in $tarball)"
    debootstrap "${args[@]}" --make-tarball="$tarball.part" "$suite" "$work/tarball-$suite" "$mirror" \
      > "$work/$suite-download.log" 2>&1 || { tail -n 20 "$work/$suite-download.log" >&2; return 1; }
    mv "$tarball.part" "$tarball"
  fi
  debootstrap "${args[@]}" --unpack-tarball="$tarball" "$suite" "$dir" "$mirror" \
    > "$work/$suite-debootstrap.log" 2>&1 || { tail -n 20 "$work/$suite-debootstrap.log" >&2; return 1; }
}

enter_root() {
  local dir=$1
  mount -t proc proc "$dir/proc"
  mount -t sysfs sys "$dir/sys"
  mount --rbind /dev "$dir/dev"
  mount --make-rslave "$dir/dev"
  mkdir -p "$dir/mnt/origin" "$cache/apt-$2"
  mount --bind "$repo" "$dir/mnt/origin"
  mount -o remount,bind,ro "$dir/mnt/origin"
  mount --bind "$cache/apt-$2" "$dir/var/cache/apt/archives"
  cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
}

# What a new learner types, in the bare system.
learner_script='set -eu
cd /root
git clone -q --no-local /mnt/origin course
cd course
t0=$(date +%s)
./lunch tour --no-pause </dev/null
t1=$(date +%s)
if [ "${LUNCH_BARE_TOUR_ONLY:-}" = 1 ]; then
  echo "timings: tour $((t1 - t0)) s (./lunch test not run: tour only)"
  exit 0
fi
./lunch test
t2=$(date +%s)
echo "timings: tour $((t1 - t0)) s, test $((t2 - t1)) s"
if [ "${LUNCH_BARE_CLANG:-}" = 1 ]; then
  echo "the same course with $(clang++ --version | head -n1)"
  CXX=clang++ meson setup build-clang >/dev/null
  meson test -C build-clang --suite solutions --suite demos --suite support --print-errorlogs
  t3=$(date +%s)
  echo "timings (clang): $((t3 - t2)) s"
fi'

# One release from start to end: its root file system, the learner's two
# commands in it, then the root file system released. The summary line goes
# to $work/SUITE.result, the exit status is the function's.
run_release() {
  local suite=$1 dir="$work/$1" t0=$SECONDS status
  mkdir -p "$dir"
  say "$suite: building a minimal root file system (debootstrap, git only)"
  bootstrap "$suite" "$dir" || { say "$suite: debootstrap failed (log above)"; return 1; }
  local t_boot=$((SECONDS - t0))
  enter_root "$dir" "$suite"
  local what="./lunch tour --no-pause, then ./lunch test"
  [[ -z ${tour_only[$suite]:-} ]] || what="./lunch tour --no-pause only"
  say "$suite: base system ready in ${t_boot} s; running $what"
  set +e
  timeout --kill-after=30 "$limit" chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${http_proxy:+http_proxy=$http_proxy} LUNCH_BARE_CLANG=$($clang && echo 1 || echo 0) \
    LUNCH_BARE_TOUR_ONLY=${tour_only[$suite]:-0} \
    /bin/bash -c "$learner_script" 2>&1 | tee "$work/$suite-learner.log" | sed -u "s/^/[$suite] /"
  status=${PIPESTATUS[0]}
  set -e
  release_root "$dir"
  local timings
  timings=$(grep -o 'timings: .*' "$work/$suite-learner.log" | tail -n1 || true)
  if [[ $status -ne 0 ]]; then
    [[ $status -eq 124 ]] && say "$suite: stopped after the limit of $limit s"
    say "$suite: FAILED (exit $status) after $((SECONDS - t0)) s"
    return 1
  fi
  printf '%-9s base system %4d s   %s   total %4d s\n' "$suite" "$t_boot" \
    "${timings#timings: }" $((SECONDS - t0)) > "$work/$suite.result"
  $keep || rm -rf --one-file-system "$dir"
}

t_all=$SECONDS
declare -A pids=()
failed=()
for suite in "${suites[@]}"; do
  # In the background even when serial, so that `set -e` holds inside.
  run_release "$suite" &
  if $serial; then
    wait $! || failed+=("$suite")
  else
    pids[$suite]=$!
  fi
done
for suite in "${!pids[@]}"; do
  wait "${pids[$suite]}" || failed+=("$suite")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  say "failed: ${failed[*]} (the lines starting with [release] above say why)"
  exit 1
fi
say "passed in $((SECONDS - t_all)) s:"
for suite in "${suites[@]}"; do sed 's/^/  /' "$work/$suite.result" >&2; done
