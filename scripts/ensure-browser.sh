#!/bin/sh
# Make sure a Chromium is available: the configured one, Playwright's own, or Debian's package.
# Playwright's own download is not possible everywhere, so Debian's chromium is installed when none is found.
set -eu
PY="${1:-python3}"
if "$PY" -m rgaa_tracker.browser.check; then exit 0; fi
if command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core
  "$PY" -m rgaa_tracker.browser.check
else
  echo "No apt-get here: run '$PY -m playwright install chromium' or set RGAA_TRACKER_BROWSER__EXECUTABLE_PATH" >&2
  exit 1
fi
