#!/usr/bin/env bash
# One-time (idempotent) setup: system libraries, a virtualenv in .venv, the locked Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests and the app need: zbar for pyzbar, poppler for rendering receipts,
# Xvfb and the X/EGL libraries Qt needs, fonts, PostgreSQL binaries for throwaway clusters, and xdotool
# with ImageMagick for the kiosk journey (real X key events to the real program, screenshots).
need=()
for pkg in libzbar0 poppler-utils xvfb libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 fonts-dejavu-core postgresql xdotool imagemagick; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${need[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  else
    echo "setup: please install these system packages: ${need[*]}" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum requirements.lock pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # Every package at the lock's version and hash (the lock covers the dev and server extras; README:
  # Dependencies). The project itself is then installed editable, which pip cannot hash-check, with
  # nothing more to fetch: its build backend (setuptools) is in the lock.
  .venv/bin/python -m pip install -q --require-hashes -r requirements.lock
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  .venv/bin/python -m pip check  # a dependency pyproject names but the lock lacks shows here
  rm -f .venv/.installed-*
  touch "$stamp"
fi
