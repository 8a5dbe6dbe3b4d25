#!/usr/bin/env bash
# Services the mail tests run against, installed from Debian's packages:
# Dovecot (a real IMAP server; tests start their own instance on loopback with
# a config in their temp dir, so the system service is never configured or
# started here). Idempotent and quiet: does nothing when dovecot is present.
set -euo pipefail
if command -v dovecot >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
# The package may try to start the system-wide service; the tests do not use it.
command -v dovecot >/dev/null
echo "dovecot installed: $(dovecot --version)"
