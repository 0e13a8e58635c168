#!/usr/bin/env bash
# scripts/need.sh COMMAND PACKAGE...: install Debian PACKAGEs when COMMAND is missing.
set -euo pipefail
command=$1; shift
command -v "$command" >/dev/null || "$(dirname "$0")/apt-install.sh" "$@"
