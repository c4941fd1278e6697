#!/usr/bin/env bash
# Make Debian's Chromium and a CJK font available for the browser tests
# (Playwright for Python drives /usr/bin/chromium; it never downloads a browser).
# Installs them when missing and run as root (as in CI); otherwise says what is missing.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${need[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "The browser tests need Debian's ${need[*]} (apt-get install ${need[*]})." >&2
  exit 1
fi
