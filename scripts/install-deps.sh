#!/usr/bin/env bash
# The one list of system packages this course needs (Debian 12 "bookworm").
#
#   scripts/install-deps.sh           install what is missing (needs root or sudo)
#   scripts/install-deps.sh --check   print the missing packages; exit 1 if any
#   scripts/install-deps.sh --print   print the apt-get command instead
#   scripts/install-deps.sh --list    print the package names, one a line
#   add --slides to any of these: also what the slides need (node, npm,
#   Chromium for the PDF and the rendering check)
#   add --bench: also the Tokio side of `lunch bench` (cargo and Debian's
#   packaged crates; bench/tokio builds from them offline)
#
# Why these and not others:
#   libboost1.81-dev  Asio 1.26 + Beast. Debian's plain libboost-dev is 1.74,
#                     whose C++20 coroutine support is too old for this course.
#   doctest-dev       the test framework (header only).
#   libcli11-dev      the command-line parser of `lunch` and the demos.
#   nlohmann-json3-dev  reading/writing the runner's JSON and checking traces.
#   liburing-dev      optional: Asio's io_uring file backend (chapter 08).
#   libbenchmark-dev  Google Benchmark, for bench/.
#   meson, ninja-build, pkg-config, g++  the build.
#   clang             the second compiler CI builds with.
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
set -euo pipefail

packages=(
  g++ clang meson ninja-build pkg-config gdb git
  libboost1.81-dev doctest-dev libcli11-dev nlohmann-json3-dev
  liburing-dev libbenchmark-dev
)
slides_packages=(nodejs npm chromium fonts-dejavu-core poppler-utils)
bench_packages=(cargo librust-tokio+full-dev librust-futures-dev librust-rayon-dev
                librust-tokio-stream-dev librust-hyper+full-dev)

mode=install
for arg in "$@"; do
  case $arg in
    --check) mode=check ;;
    --list) mode=list ;;
    --print) mode=print ;;
    --slides) packages+=("${slides_packages[@]}") ;;
    --bench) packages+=("${bench_packages[@]}") ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# The packages of the list that are not installed, one a line. Node and npm
# count as there when their commands are (a NodeSource nodejs brings npm).
missing() {
  local p
  for p in "${packages[@]}"; do
    case $p in
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
    esac
    # A crate feature ("librust-tokio+full-dev") is a virtual package, which
    # dpkg does not know by name: ask whether the crate's package is there.
    local real=${p/+*-dev/-dev}
    dpkg-query -W -f='${Status}' "$real" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

case $mode in
  check)
    if ! command -v dpkg-query >/dev/null; then
      echo "install-deps.sh: this is not a Debian system; install the equivalents of: ${packages[*]}" >&2
      exit 2
    fi
    m=$(missing)
    [[ -z $m ]] && exit 0
    printf '%s\n' "$m"
    exit 1 ;;
  list) printf '%s\n' "${packages[@]}"; exit 0 ;;
  print) echo "apt-get update && apt-get install -y ${packages[*]}"; exit 0 ;;
esac

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "install-deps.sh: installing packages needs root. Run this as root:" >&2
  echo "  apt-get update && apt-get install -y ${packages[*]}" >&2
  exit 2
fi

mapfile -t todo < <(missing)
if [[ ${#todo[@]} -eq 0 ]]; then
  echo "Everything is installed already."
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
echo "Installing: ${todo[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${todo[@]}"
