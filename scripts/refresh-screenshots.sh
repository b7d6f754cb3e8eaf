#!/usr/bin/env bash
# Refreshes the README's screenshots (docs/screenshots/*.png): runs the web app's browser
# test, which saves each main view as it goes, with the committed folder as its target.
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory install test-deps
DRIVE2_SCREENSHOTS_DIR="$PWD/docs/screenshots" .venv/bin/pytest -q tests/e2e/test_web_app.py "$@"
echo "screenshots written to docs/screenshots/"
