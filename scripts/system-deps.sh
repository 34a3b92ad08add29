#!/usr/bin/env bash
# Debian packages the tests need (qpdf checks PDFs, chromium drives the page). Installed only
# when missing, so a machine that has them pays nothing.
set -euo pipefail
missing=()
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "error: need ${missing[*]} (apt-get install ${missing[*]})" >&2; exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing ${missing[*]} from Debian" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
