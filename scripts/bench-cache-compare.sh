#!/usr/bin/env bash
# The cached reads of two builds side by side in one run (after a change on the request
# path): `scripts/bench-cache-compare.sh OLD_PORTAL_BINARY` measures the bare actix
# handler, then GET /api/portal/subscription and GET /api/internal/entitlements/{id}
# (Redis and in-process) of the old binary and of this tree's release build, interleaved,
# ROUNDS times (default 2), wrk -t2 -c64 for DURATION (10s) each. Prints req/s and % of bare.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: scripts/bench-cache-compare.sh OLD_PORTAL_BINARY}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
cargo build --release --bin portal --example bare -p portal-server >/dev/null
new=./target/release/portal
work=$(mktemp -d)
redis_port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile "$work/redis.pid" >/dev/null
export PORTAL_BILLING_RUN_AT=off PORTAL_RATE_LIMIT=1000000000 PORTAL_JWT_SECRET=bench-secret-0123456789-0123456789
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_up() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
rps() { wrk -t2 -c64 -d"$DURATION" ${2:+-H "Authorization: Bearer $2"} "$1" | awk '/Requests\/sec/ {print $2}'; }
# Each build on a database of its own (the schema may differ), seeded the same way.
for build in old new; do
    bin=${!build}
    DATABASE_URL="sqlite://$work/$build.db?mode=rwc" RUST_LOG=warn "$bin" seed --demo >/dev/null
done
token=$("$new" token --customer cust_demo --user bench --role member --ttl 3600)
service=$("$new" token --user bench --role service --ttl 3600)
./target/release/examples/bare 127.0.0.1:8099 & pids+=($!)
start() { # build port [redis]
    local bin=${!1}
    env DATABASE_URL="sqlite://$work/$1.db?mode=rwc" ${3:+REDIS_URL=redis://127.0.0.1:$redis_port} PORTAL_BIND=127.0.0.1:$2 PORTAL_INTERNAL_BIND=127.0.0.1:$(($2 + 1000)) RUST_LOG=warn "$bin" serve & pids+=($!)
}
# The platform's calls go to a build's internal listener (§17) when it has one.
listener() { # port path
    if [[ $2 == /api/internal/* ]] && curl -sf "http://127.0.0.1:$(($1 + 1000))/healthz" >/dev/null; then
        echo "http://127.0.0.1:$(($1 + 1000))"
    else
        echo "http://127.0.0.1:$1"
    fi
}
start old 8091 redis; start new 8092 redis; start old 8093; start new 8094
for p in 8099/bare 8091/healthz 8092/healthz 8093/healthz 8094/healthz; do wait_up "http://127.0.0.1:$p"; done
for round in $(seq 1 "$ROUNDS"); do
    bare=$(rps http://127.0.0.1:8099/bare)
    printf 'round %s: bare actix JSON handler %.0f req/s\n' "$round" "$bare"
    for what in "subscription, Redis:8091:8092:/api/portal/subscription:$token" \
                "subscription, in-process:8093:8094:/api/portal/subscription:$token" \
                "entitlements, Redis:8091:8092:/api/internal/entitlements/cust_demo:$service" \
                "entitlements, in-process:8093:8094:/api/internal/entitlements/cust_demo:$service"; do
        IFS=: read -r name old_port new_port path auth <<<"$what"
        o=$(rps "$(listener "$old_port" "$path")$path" "$auth")
        n=$(rps "$(listener "$new_port" "$path")$path" "$auth")
        awk -v name="$name" -v o="$o" -v n="$n" -v b="$bare" 'BEGIN {
            printf "  %-26s old %8.0f req/s (%3.0f %% of bare)   new %8.0f req/s (%3.0f %% of bare)\n", name, o, 100*o/b, n, 100*n/b }'
    done
done
