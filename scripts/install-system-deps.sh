#!/usr/bin/env bash
# Installs the system tools Drive2's readers use, when they are missing:
# tesseract (English + Thai), ffmpeg/ffprobe, and the fonts the tests
# render text with. Debian/Ubuntu via apt-get; elsewhere it says what to install.
# With --test it also installs what only the tests use: Debian's chromium for the browser
# tests of the web app (driven by Playwright with its executable path; no browser download).
set -euo pipefail

for_tests=0
[ "${1:-}" = "--test" ] && for_tests=1

missing=()
command -v tesseract >/dev/null || missing+=(tesseract-ocr tesseract-ocr-eng)
if command -v tesseract >/dev/null && ! tesseract --list-langs 2>/dev/null | grep -qx tha; then
  missing+=(tesseract-ocr-tha)
elif ! command -v tesseract >/dev/null; then
  missing+=(tesseract-ocr-tha)
fi
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v ffprobe >/dev/null || missing+=(ffmpeg)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
ls /usr/share/fonts/truetype/tlwg/*.ttf >/dev/null 2>&1 || missing+=(fonts-thai-tlwg)
if [ "$for_tests" -eq 1 ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# shellcheck disable=SC2207
packages=($(printf '%s\n' "${missing[@]}" | sort -u))
echo "Drive2 needs these system packages: ${packages[*]}"
if command -v apt-get >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null && SUDO="sudo" || {
      echo "run as root: apt-get install ${packages[*]}" >&2; exit 1; }
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q || true
  # Another apt run (a colleague's, unattended upgrades) may hold the lock for a while.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${packages[@]}"
else
  echo "Install them with your system's package manager (tesseract with the 'tha' language," >&2
  echo "ffmpeg; chromium for the tests), then run this again." >&2
  exit 1
fi
