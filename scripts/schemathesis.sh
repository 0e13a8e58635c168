#!/usr/bin/env bash
# scripts/schemathesis.sh: property-based API tests from the OpenAPI document.
# Starts the release build on a fresh SQLite file with the demo data, and lets
# schemathesis (from PyPI, in target/schemathesis-venv) call every operation with
# generated input as the demo admin: a 5xx, or a status the document does not declare
# for that operation, fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/schemathesis-venv
# Schemathesis 3.39 works with Hypothesis up to 6.131.14 (later ones break its strategies).
pins="schemathesis==3.39.16 hypothesis==6.131.14"
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$pins" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet --disable-pip-version-check $pins
    echo "$pins" > "$venv/.pins"
fi
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
internal_port=$(free_port)
export DATABASE_URL="sqlite://$work/portal.db?mode=rwc" PORTAL_BIND="127.0.0.1:$port" PORTAL_INTERNAL_BIND="127.0.0.1:$internal_port"
export PORTAL_JWT_SECRET=schemathesis-0123456789-schemathesis-0123456789
export PORTAL_RATE_LIMIT=1000000 PORTAL_STATIC_DIR="$work/none" RUST_LOG=warn
unset REDIS_URL
./target/release/portal seed --demo >/dev/null
./target/release/portal serve &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
done
admin=$(./target/release/portal token --customer cust_demo --user u1 --role admin)
service=$(./target/release/portal token --user billing --role service)
fuzz() { # listener-port schemathesis-arguments...
    local at=$1
    shift
    "$venv/bin/schemathesis" run "http://127.0.0.1:$at/api/openapi.json" \
        --base-url "http://127.0.0.1:$at" \
        --checks not_a_server_error,status_code_conformance \
        --hypothesis-max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
        --hypothesis-seed 1 \
        --experimental=openapi-3.1 \
        --no-color "$@"
}
# Each listener's own document (§17): the public one has no internal call, the internal
# one nothing but the platform's calls, the metrics and the probes.
echo "== the public listener, as the demo admin"
fuzz "$port" --header "Authorization: Bearer $admin"
customer=$?
echo "== the internal listener, as a platform service"
fuzz "$internal_port" --header "Authorization: Bearer $service"
internal=$?
[ "$customer" = 0 ] && [ "$internal" = 0 ]
