#!/usr/bin/env bash
# scripts/smtp-sink.sh DIR PORT: the tests' SMTP server (scripts/smtp-sink.py) in
# target/test-venv, where aiosmtpd (from PyPI) is installed on first use. Used by the Rust
# tests (portal-notify's test support) and the browser tests (e2e/lib/smtp.mjs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/test-venv"
pin="aiosmtpd==1.4.6"
mkdir -p "$root/target"
# Tests start sinks in parallel: one installs, the others wait for it.
exec 9>"$root/target/test-venv.lock"
flock 9
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$pin" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$pin" >&2
    echo "$pin" > "$venv/.pins"
fi
flock -u 9
exec "$venv/bin/python" "$root/scripts/smtp-sink.py" "$@"
