#!/usr/bin/env bash
# Debian's chromium for the Playwright browser tests. Idempotent and quiet:
# does nothing when /usr/bin/chromium is already there. Playwright never
# downloads a browser of its own (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
set -euo pipefail
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
test -x /usr/bin/chromium
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
