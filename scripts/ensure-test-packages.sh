#!/usr/bin/env bash
# Debian packages the tests drive for real: Chromium (Playwright for Python uses
# /usr/bin/chromium; it never downloads a browser), a CJK font (or Chinese renders
# as boxes) and LibreOffice Calc (opens the monthly bulletin and prints it to PDF).
# Installs what is missing when run as root (as in CI); otherwise says what is missing.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
command -v soffice >/dev/null || need+=(libreoffice-calc)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${need[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "The tests need Debian's ${need[*]}: apt-get install ${need[*]}" >&2
  exit 1
fi
