#!/usr/bin/env bash
# Install gutbone with its test extras in .venv (created if missing), install what the
# tests need from the system, then run the linters and the whole test suite.
# Usage: bash scripts/test.sh [pytest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,bench,spark]"

# --- Spark tests: a Java runtime (pyspark needs Java 17 or newer) ---
if ! command -v java >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    echo "== installing a Java runtime (apt-get) for the Spark tests"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless
fi

# --- browser tests: system packages ---
# The browser tests drive Debian's chromium through Playwright (no browser download).
if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    echo "== installing chromium (apt-get) for the browser tests"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
# --- browser tests: system packages ---

# --- browser tests: a CJK font (views) ---
# The browser tests check that Chinese labels render as glyphs, not boxes: Debian's
# fonts-noto-cjk gives Chromium (and matplotlib) the Noto Sans CJK fonts of the pages' stack.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    echo "== installing fonts-noto-cjk (apt-get) for the browser tests"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk
fi
# --- browser tests: a CJK font (views) ---

echo "== ruff"
.venv/bin/ruff check src tests benchmarks
echo "== mypy"
.venv/bin/mypy src/gutbone
echo "== pytest"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: failing" >&2
    exit 1
fi
exit "$status"
