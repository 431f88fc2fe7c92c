#!/usr/bin/env bash
# Installs Tsunagu into .venv and runs the demo on the embedded SQLite database
# (http://127.0.0.1:8000; the demo logins are printed). Extra arguments go to `tsunagu demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e .
exec .venv/bin/tsunagu demo "$@"
