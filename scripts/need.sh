#!/usr/bin/env bash
# scripts/need.sh COMMAND PACKAGE...: install Debian PACKAGEs when COMMAND is missing
# (as root, with apt-get); otherwise say what to install and fail.
set -euo pipefail
command=$1; shift
command -v "$command" >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
else
    echo "$command is missing: install $* (Debian: apt-get install $*)" >&2
    exit 1
fi
