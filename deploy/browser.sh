#!/usr/bin/env bash
# The browser the console's tests drive: Debian's chromium (browser downloads by
# tools cannot reach their servers here). Idempotent; does nothing when present.
set -euo pipefail
chromium=${EC_CHROMIUM:-/usr/bin/chromium}
if [ -x "$chromium" ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "no $chromium and no apt-get: install chromium, or set EC_CHROMIUM" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
echo "installing Debian's chromium for the browser tests" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
"$chromium" --version >&2
