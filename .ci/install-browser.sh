#!/usr/bin/env bash
# Browser for the web demo's tests (tests/test_app_browser.py): Debian's chromium
# and Playwright for Python, which drives that system chromium. Playwright's own
# browser download is never used (no `playwright install`).
# Usage: bash .ci/install-browser.sh   (run from anywhere; uses .venv of the repo)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
PLAYWRIGHT_VERSION="${PLAYWRIGHT_VERSION:-1.58.0}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium
fi
"$PY" -m pip install -q "playwright==${PLAYWRIGHT_VERSION}"
/usr/bin/chromium --version
"$PY" -c "import playwright; from importlib.metadata import version; print('playwright', version('playwright'))"
