#!/usr/bin/env bash
# The one list of system packages this course needs.
#
#   scripts/install-deps.sh           install what is missing (needs root or sudo)
#   scripts/install-deps.sh --check   print the missing packages; exit 1 if any
#   scripts/install-deps.sh --print   print the install command for this system
#   scripts/install-deps.sh --list    print the package names, one a line
#   add --slides to any of these: also what the slides need (node, npm,
#   Chromium for the PDF and the rendering check)
#   add --bench: also the Tokio side of `lunch bench` (cargo and Debian's
#   packaged crates; bench/tokio builds from them offline)
#   add --bare-systems: also debootstrap, for CI's runs on bare Debian systems
#
# Systems with apt (Debian 12 and 13, Ubuntu 24.04 and their derivatives):
# the package names are picked by what `apt-cache policy` offers, so that
# Boost is the newest of libboost-dev or libboost1.NN-dev that is 1.81 or
# newer. Any other system (Fedora, Arch, macOS with Homebrew, ...): the
# equivalent command for that system is printed, nothing is touched, and
# the exit status is 2.
#
# Why these and not others:
#   Boost >= 1.81     Asio 1.26 + Beast. Debian 12's plain libboost-dev is
#                     1.74, too old for this course's C++20 coroutines: there
#                     it is libboost1.81-dev. Debian 13 and Ubuntu 24.04 ship
#                     1.83 as plain libboost-dev.
#   doctest-dev       the test framework (header only).
#   libcli11-dev      the command-line parser of `lunch` and the demos.
#   nlohmann-json3-dev  reading/writing the runner's JSON and checking traces.
#   liburing-dev      optional: Asio's io_uring file backend (chapter 08).
#   libbenchmark-dev  Google Benchmark, for bench/.
#   meson, ninja-build, pkg-config, g++  the build.
#   clang             the second compiler CI builds with; libclang-rt-dev
#                     is its sanitizer runtime (the exercise `dangling` is
#                     always built with AddressSanitizer).
#   gdb               `lunch check` shows the file:line of a crash with it.
#   git               `lunch reset` restores an exercise as shipped from git.
#   with --slides: nodejs, npm (Marp, pinned by slides/package-lock.json),
#                  chromium (the PDF, and CI's rendering check), fonts-dejavu-core,
#                  poppler-utils (pdfinfo: CI counts the PDF's pages).
#   with --bench: cargo, and the crates the Tokio twins in bench/tokio use, as
#                 Debian packages them under /usr/share/cargo/registry:
#                 tokio with its "full" feature, futures, rayon, tokio-stream,
#                 hyper (client and server, for the HTTP figures). A feature
#                 is a virtual package ("librust-tokio+full-dev") that the
#                 crate's own package provides.
#
# Environment: LUNCH_OS_RELEASE=FILE reads FILE instead of /etc/os-release
# (the runner's tests use it to play another system).
set -euo pipefail

# An entry "a|b" means the first of a and b that this system offers; "boost"
# is resolved by version (see pick_boost).
packages=(
  g++ clang libclang-rt-dev meson ninja-build pkg-config gdb git
  boost doctest-dev libcli11-dev nlohmann-json3-dev
  liburing-dev libbenchmark-dev
)
slides_packages=(nodejs npm 'chromium|chromium-browser' fonts-dejavu-core poppler-utils)
bench_packages=(cargo librust-tokio+full-dev librust-futures-dev librust-rayon-dev
                librust-tokio-stream-dev librust-hyper+full-dev)
bare_packages=(debootstrap)
with_slides=false with_bench=false

mode=install
for arg in "$@"; do
  case $arg in
    --check) mode=check ;;
    --list) mode=list ;;
    --print) mode=print ;;
    --slides) packages+=("${slides_packages[@]}"); with_slides=true ;;
    --bench) packages+=("${bench_packages[@]}"); with_bench=true ;;
    --bare-systems) packages+=("${bare_packages[@]}") ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'install-deps.sh: %s\n' "$*" >&2; }

# ---- which system is this? -------------------------------------------------
# "apt" wherever apt can install; otherwise the family os-release names.
system_kind() {
  local id="" like="" file=${LUNCH_OS_RELEASE:-/etc/os-release}
  if [[ -r $file ]]; then
    id=$(. "$file" && echo "${ID:-}")
    like=$(. "$file" && echo "${ID_LIKE:-}")
  fi
  case " $id $like " in
    *" debian "*|*" ubuntu "*) command -v apt-get >/dev/null && { echo apt; return; } ;;
    *" fedora "*|*" rhel "*|*" centos "*) echo dnf; return ;;
    *" arch "*) echo pacman; return ;;
  esac
  if [[ -z ${LUNCH_OS_RELEASE:-} && $(uname -s) == Darwin ]]; then echo brew; return; fi
  if [[ -z ${LUNCH_OS_RELEASE:-} ]] && command -v apt-get >/dev/null && command -v apt-cache >/dev/null; then
    echo apt; return
  fi
  echo unknown
}

# ---- other systems: print the equivalent, touch nothing, exit 2 ------------
# offer INTRO COMMAND SLIDES BENCH: this system's command, with what --slides
# and --bench add to it.
offer() {
  local cmd=$2
  say "$1"
  $with_slides && cmd+=" $3"
  $with_bench && cmd+=" $4"
  echo "  $cmd"
}

print_elsewhere() {
  case $1 in
    dnf) offer "this is not a Debian-like system; on Fedora (40 or newer: Boost 1.83) install:" \
      "sudo dnf install gcc-c++ clang meson ninja-build pkgconf-pkg-config gdb git boost-devel doctest-devel cli11-devel json-devel liburing-devel google-benchmark-devel" \
      "nodejs npm chromium dejavu-sans-fonts poppler-utils" "cargo" ;;
    pacman) offer "this is not a Debian-like system; on Arch Linux install:" \
      "sudo pacman -S --needed gcc clang meson ninja pkgconf gdb git boost doctest cli11 nlohmann-json liburing benchmark" \
      "nodejs npm chromium ttf-dejavu poppler" "rust" ;;
    brew)
      offer "this is macOS; with Homebrew install:" \
        "brew install llvm meson ninja pkg-config boost doctest cli11 nlohmann-json google-benchmark flock" \
        "node" "rust"
      say "macOS has no io_uring and no gdb on Apple silicon; the course is tested on Linux:"
      say "the dev container (.devcontainer/, README \"Other systems\") is the supported way." ;;
    *)
      say "this system is not one this script knows (it knows apt, dnf, pacman and Homebrew)."
      say "install the equivalents of: a C++20 compiler (g++ >= 12 or clang >= 14), meson, ninja,"
      say "pkg-config, gdb, git, Boost >= 1.81, doctest, CLI11, nlohmann-json, liburing (optional),"
      say "Google Benchmark" ;;
  esac
  if $with_bench; then
    say "--bench: bench/tokio builds offline from Debian's packaged crates; elsewhere cargo downloads them"
  fi
  say "then run ./lunch: meson finds what is installed and names anything still missing."
  exit 2
}

kind=$(system_kind)
[[ $kind == apt ]] || {
  case $mode in
    list) printf '%s\n' "${packages[@]}"; exit 0 ;;
    *) print_elsewhere "$kind" ;;
  esac
}

# ---- apt: resolve names by what this system offers -------------------------
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
offered() { local c; c=$(candidate "$1"); [[ -n $c && $c != "(none)" ]]; }

# The Boost a compiler on this machine already sees, as 108100 for 1.81:
# wherever it is installed, BOOST_ROOT and BOOST_INCLUDEDIR included (meson
# looks there too), not only where apt puts it.
boost_seen() {
  local cxx=${CXX:-c++} dirs=()
  command -v "$cxx" >/dev/null || return 0
  [[ -n ${BOOST_INCLUDEDIR:-} ]] && dirs+=(-I"$BOOST_INCLUDEDIR")
  [[ -n ${BOOST_ROOT:-} ]] && dirs+=(-I"$BOOST_ROOT/include" -I"$BOOST_ROOT")
  printf '#include <boost/version.hpp>\nBOOST_VERSION\n' |
    "$cxx" "${dirs[@]}" -E -P -x c++ - 2>/dev/null | tail -n1 | tr -dc 0-9
}

# libboost-dev when it is 1.81 or newer (Debian 13, Ubuntu 24.04), else the
# newest libboost1.NN-dev from 1.81 up (Debian 12: libboost1.81-dev).
pick_boost() {
  local c n
  c=$(candidate libboost-dev)
  if [[ -n $c && $c != "(none)" ]] && dpkg --compare-versions "$c" ge 1.81; then
    echo libboost-dev; return
  fi
  for n in $(seq 99 -1 81); do
    offered "libboost1.$n-dev" && { echo "libboost1.$n-dev"; return; }
  done
  return 1
}

# "a|b": the first one offered; the first one when none is (it is then named
# in the error below).
pick() {
  local alt
  IFS='|' read -ra alts <<<"$1"
  for alt in "${alts[@]}"; do offered "$alt" && { echo "$alt"; return; }; done
  echo "${alts[0]}"
}

installed() {
  # A crate feature ("librust-tokio+full-dev") is a virtual package, which
  # dpkg does not know by name: ask whether the crate's package is there.
  local real=${1/+*-dev/-dev}
  dpkg-query -W -f='${Status}' "$real" 2>/dev/null | grep -q 'install ok installed'
}

# The entries of the list that are not installed, one a line, as the
# entries are written ("boost" for Boost).
missing() {
  local p alt have
  for p in "${packages[@]}"; do
    case $p in
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
      boost)
        local v; v=$(boost_seen)
        [[ -n $v && $v -ge 108100 ]] && continue
        echo boost; continue ;;
    esac
    have=false
    IFS='|' read -ra alts <<<"$p"
    for alt in "${alts[@]}"; do installed "$alt" && { have=true; break; }; done
    $have || echo "$p"
  done
}

# Entries to apt package names, by what this system offers now.
resolve() {
  local p
  for p in "$@"; do
    case $p in
      boost) pick_boost || echo "libboost-dev(>=1.81)" ;;
      *'|'*) pick "$p" ;;
      *) echo "$p" ;;
    esac
  done
}

case $mode in
  check)
    m=$(missing)
    [[ -z $m ]] && exit 0
    printf '%s\n' "$m" | sed 's/^boost$/Boost >= 1.81/'
    exit 1 ;;
  list) printf '%s\n' "${packages[@]}" | sed 's/^boost$/libboost-dev (>= 1.81; libboost1.81-dev on Debian 12)/'; exit 0 ;;
  print)
    mapfile -t names < <(resolve "${packages[@]}")
    echo "apt-get update && apt-get install -y --no-install-recommends ${names[*]}"; exit 0 ;;
esac

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  mapfile -t names < <(resolve "${packages[@]}")
  say "installing packages needs root. Run this as root:"
  echo "  apt-get update && apt-get install -y --no-install-recommends ${names[*]}" >&2
  exit 2
fi

mapfile -t todo < <(missing)
if [[ ${#todo[@]} -eq 0 ]]; then
  echo "Everything is installed already."
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "Updating the package lists (apt-get update)"
"${sudo[@]}" apt-get update -qq
mapfile -t names < <(resolve "${todo[@]}")
# Refuse before installing anything when a package has no candidate: a
# half-done install helps nobody.
absent=()
for n in "${names[@]}"; do offered "$n" || absent+=("$n"); done
if [[ ${#absent[@]} -gt 0 ]]; then
  say "this system's package lists offer no: ${absent[*]}"
  [[ " ${absent[*]} " == *"libboost-dev(>=1.81)"* ]] &&
    say "Boost 1.81 or newer is needed; this system offers only $(candidate libboost-dev) as libboost-dev"
  say "nothing was installed. Enable the missing repository (Ubuntu: universe), or install the equivalents by hand."
  exit 2
fi
echo "Installing: ${names[*]}"
"${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${names[@]}"
