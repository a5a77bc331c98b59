#!/usr/bin/env bash
# Debian's chromium for the browser tests (Playwright's own browser download cannot work
# here). Installs it with apt when missing and possible (root); otherwise says why and exits
# non-zero, and the browser tests are skipped.
set -euo pipefail
if command -v chromium >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "chromium missing and cannot be installed here (needs root and apt)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
