#!/usr/bin/env bash
# Set everything up and run every test: engine, pages (AppTest) and the browser tests in headless Chromium.
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not e2e" to skip the browser tests.
# DLP_EXTRAS=test,ray also installs Ray, so the tests of jobs on a Ray cluster run (else they are skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "${DLP_EXTRAS:-test}"

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
CHROMIUM="${DLP_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium for the browser tests"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

exec .venv/bin/python -m pytest -q "$@"
