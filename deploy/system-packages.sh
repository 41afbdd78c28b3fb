#!/usr/bin/env bash
# The Debian/Ubuntu packages casework needs outside Python, checked and (as root) installed.
# Used by `make run`, `make test` (--with-browser), .ci/run (--with-browser) and `make bench` /
# `make bench-quick` (--with-bench); the Dockerfile installs the same run-time list
# (tests/test_deploy.py checks that they agree).
#
#   graphviz                                    procedure diagrams (the `dot` program)
#   libpango-1.0-0 libpangoft2-1.0-0
#   libharfbuzz-subset0                         PDF slips (WeasyPrint's native libraries)
#   fonts-dejavu-core fonts-liberation2         fonts with Vietnamese glyphs for the PDF slips
#   chromium (with --with-browser)              the browser tests only
#   wrk (with --with-bench)                     the HTTP benchmarks only (bench/harness.py)
#
# Usage: deploy/system-packages.sh [--with-browser] [--with-bench]
#                                  [--check | --warn-only | --list]
#   (no option)   install what is missing with apt-get (after apt-get update) when run as root;
#                 otherwise print the exact command to run and exit 1
#   --check       never install: print the command if something is missing and exit 1
#   --warn-only   like the default, but exit 0 when it cannot install (the app then runs without
#                 diagrams or PDFs, and says so in its log and on its pages)
#   --list        print the package names, one a line, and exit
# Exit status: 0 everything is there (or was installed), 1 something is missing, 2 bad usage.
set -euo pipefail

browser=no
bench=no
mode=install
for arg in "$@"; do
  case "$arg" in
    --with-browser) browser=yes ;;
    --with-bench) bench=yes ;;
    --check) mode=check ;;
    --warn-only) mode=warn ;;
    --list) mode=list ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "system-packages: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

PACKAGES=(graphviz libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  fonts-dejavu-core fonts-liberation2)
[ "$browser" = no ] || PACKAGES+=(chromium)
[ "$bench" = no ] || PACKAGES+=(wrk)

if [ "$mode" = list ]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

# The shared libraries the dynamic linker knows (ldconfig lives in /sbin on Debian).
libraries() {
  local ldconfig
  ldconfig=$(PATH="$PATH:/sbin:/usr/sbin" command -v ldconfig || true)
  [ -z "$ldconfig" ] || "$ldconfig" -p 2>/dev/null || true
}

# Is PACKAGE there? By what it brings, not by dpkg, so the check also holds outside Debian.
present() {
  case "$1" in
    graphviz) command -v dot >/dev/null 2>&1 ;;
    libpango-1.0-0) grep -q 'libpango-1\.0\.so\.0' <<<"$LIBS" ;;
    libpangoft2-1.0-0) grep -q 'libpangoft2-1\.0\.so\.0' <<<"$LIBS" ;;
    libharfbuzz-subset0) grep -q 'libharfbuzz-subset\.so\.0' <<<"$LIBS" ;;
    fonts-dejavu-core) [ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] ;;
    fonts-liberation2) [ -d /usr/share/fonts/truetype/liberation2 ] ;;
    chromium) [ -x /usr/bin/chromium ] ;;
    wrk) command -v wrk >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

missing_packages() {
  LIBS=$(libraries)
  missing=()
  for package in "${PACKAGES[@]}"; do
    present "$package" || missing+=("$package")
  done
}

missing_packages
[ ${#missing[@]} -gt 0 ] || exit 0

sudo=sudo\ ; [ "$(id -u)" != 0 ] || sudo=
command="${sudo}apt-get update && ${sudo}apt-get install -y ${missing[*]}"
if [ "$mode" = install ] || [ "$mode" = warn ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-packages: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q "${missing[@]}" \
      || echo "system-packages: apt-get failed (see above)" >&2
    missing_packages
    [ ${#missing[@]} -gt 0 ] || exit 0
    command="${sudo}apt-get install -y ${missing[*]}"
  fi
fi

{
  echo "Thiếu gói hệ thống / missing system packages: ${missing[*]}"
  echo "Cài bằng lệnh / install them with:"
  echo "  $command"
  if [ "$mode" = warn ]; then
    case " ${missing[*]} " in *" graphviz "*)
      echo "Tiếp tục không có sơ đồ các bước / continuing without the step diagrams." ;;
    esac
    case " ${missing[*]} " in *" libpango"* | *" libharfbuzz"*)
      echo "Tiếp tục không tạo được PDF / continuing without PDF slips." ;;
    esac
  fi
} >&2
[ "$mode" = warn ] && exit 0
exit 1
