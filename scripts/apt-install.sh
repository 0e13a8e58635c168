#!/usr/bin/env bash
# scripts/apt-install.sh PACKAGE...: install Debian packages (as root, with apt-get);
# otherwise say what to install and fail.
set -euo pipefail
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
else
    echo "missing: install $* (Debian: apt-get install $*)" >&2
    exit 1
fi
