#!/usr/bin/env bash
# Debian packages the PDF/A rendering (hub.formats.pdf) and its tests need. Idempotent: runs
# apt-get only when something is missing.
#
#   libpango-1.0-0 libpangoft2-1.0-0  text layout for WeasyPrint (bidi, Arabic shaping)
#   fonts-noto-core fonts-noto-cjk    Latin/Greek/Cyrillic, Hebrew, Arabic, other scripts, CJK
#   fonts-dejavu-core fonts-symbola   monospace and symbols, monochrome emoji
#   poppler-utils                     pdftotext / pdftoppm in the tests
set -euo pipefail

packages=(
  libpango-1.0-0 libpangoft2-1.0-0
  fonts-noto-core fonts-noto-cjk fonts-dejavu-core fonts-symbola
  poppler-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system-packages: all present" >&2
  exit 0
fi
echo "system-packages: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
