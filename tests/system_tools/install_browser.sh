#!/bin/sh
# Install the headless browser used by tests/recist/report/test_browser.py (Debian chromium).
# Run as root: sh tests/system_tools/install_browser.sh
set -eu
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
