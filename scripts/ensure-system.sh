#!/bin/sh
# Debian packages the project needs before its virtualenv: Python's venv module.
set -eu
apt() { if [ "$(id -u)" = 0 ]; then apt-get "$@"; else sudo apt-get "$@"; fi; }
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "Installing python3 and python3-venv from Debian's packages"
  apt update -qq && DEBIAN_FRONTEND=noninteractive apt install -y -qq python3 python3-venv
fi
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rgaa-tracker needs Python >= 3.11")'
# WeasyPrint (PDF reports) needs Pango and a font; pdftoppm/pdftotext check PDFs in the tests.
if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! command -v pdftoppm >/dev/null 2>&1; then
  echo "Installing Pango, fonts and poppler-utils from Debian's packages"
  apt update -qq && DEBIAN_FRONTEND=noninteractive apt install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
fi
