#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright's own browser download is unavailable here).
# Installs it when missing; does nothing when /usr/bin/chromium (or $CHROMIUM_PATH) already exists.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found at $CHROMIUM and apt-get is unavailable: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "Installing Debian's chromium for the browser tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium >/dev/null
"$CHROMIUM" --version
