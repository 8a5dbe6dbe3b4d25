#!/usr/bin/env bash
# Debian's chromium for the Playwright browser tests. Idempotent and quiet:
# does nothing when /usr/bin/chromium is already there. Playwright never
# downloads a browser of its own (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1).
set -euo pipefail
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# A CJK font too: without one, the Chinese pages' screenshots show empty boxes.
if [ -x /usr/bin/chromium ] && fc-list :lang=zh | grep -q .; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null
test -x /usr/bin/chromium
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
