#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser) and `make screenshots`:
# Debian's own package, never a browser download. Installs it when missing and we may
# (root with apt-get); otherwise says so loudly, and the browser tests skip saying why.
set -uo pipefail
CHROMIUM="${VERDICT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser: installing Debian's chromium for the browser tests (one time)"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null; then
        exit 0
    fi
fi
echo "########################################################################" >&2
echo "browser: NO CHROMIUM at $CHROMIUM and it could not be installed here." >&2
echo "browser: the browser tests (tests/browser) will be SKIPPED." >&2
echo "browser: install it with: apt-get install chromium" >&2
echo "########################################################################" >&2
exit 0
