#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Chromium from Debian's packages,
# the Python test extras in .venv and axe-core, and starts the local PostgreSQL if it is
# installed but stopped. The README's test command runs this, then the checks and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# PostgreSQL: start the local cluster if it is installed but not running.
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".[test]"
npm ci --no-audit --no-fund --loglevel=error
