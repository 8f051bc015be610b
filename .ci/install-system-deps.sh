#!/usr/bin/env bash
# Install the system packages the test suite needs that PyPI cannot provide.
#
# Today that is Debian's chromium, driven by Playwright (tests/e2e, marker "browser") through
# executable_path. Never run `playwright install`: it downloads a browser build from a CDN that this
# network refuses. Idempotent: does nothing when everything is already there.
set -euo pipefail

log() { printf 'install-system-deps: %s\n' "$*" >&2; }

if command -v chromium >/dev/null 2>&1; then
    log "chromium already installed: $(command -v chromium)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    log "chromium is missing and this is not root; skipping (browser tests will skip locally, fail under CI=true)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    log "chromium is missing and apt-get is not available; skipping"
    exit 0
fi

log "installing chromium from Debian"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
log "installed: $(command -v chromium)"
