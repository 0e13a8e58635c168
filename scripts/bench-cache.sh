#!/usr/bin/env bash
# Read throughput of GET /api/portal/subscription with Redis, with the in-process cache,
# with Redis killed, of the entitlement check the platform's products ask before serving
# (GET /api/internal/entitlements/{id}, §11: with its answer kept 250 ms in the process,
# and computed on every check), and of a bare actix JSON handler, in one run on loopback:
# wrk -t2 -c64 for 10 s each. Prints req/s, p99 and errors. Needs wrk and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
cargo build --release --bin portal --example bare -p portal-server >/dev/null
work=$(mktemp -d)
redis_port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile "$work/redis.pid" >/dev/null
export PORTAL_BILLING_RUN_AT=off PORTAL_RATE_LIMIT=1000000000 PORTAL_JWT_SECRET=bench-secret-0123456789-0123456789 DATABASE_URL="sqlite://$work/p.db?mode=rwc"
RUST_LOG=warn ./target/release/portal seed --demo >/dev/null
token=$(./target/release/portal token --customer cust_demo --user bench --role member --ttl 3600)
service=$(./target/release/portal token --user bench --role service --ttl 3600)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_up() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
measure() { # name url [auth]
    local out
    out=$(wrk -t2 -c64 -d"$DURATION" --latency ${3:+-H "Authorization: Bearer $3"} "$2")
    local rps p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
    [ -n "${bare_rps:-}" ] || { bare_rps=$rps; bare_p99=$p99; }
    local ratio p99_ratio
    ratio=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN {printf "%.0f %%", 100 * a / b}')
    p99_ratio=$(awk -v a="$(ms "$p99")" -v b="$(ms "$bare_p99")" 'BEGIN {printf "%.2f×", a / b}')
    printf '%-28s %10.0f req/s (%5s of bare)   p99 %8s (%s bare)   %s\n' "$1" "$rps" "$ratio" "$p99" "$p99_ratio" "${errors:-no errors}"
}
ms() { # wrk latency (850.00us, 2.63ms, 1.02s) in milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[^m]s$/) n *= 1000; print n }'
}
./target/release/examples/bare 127.0.0.1:8099 & pids+=($!)
REDIS_URL="redis://127.0.0.1:$redis_port" PORTAL_BIND=127.0.0.1:8097 PORTAL_INTERNAL_BIND=127.0.0.1:9097 RUST_LOG=warn ./target/release/portal serve & pids+=($!)
PORTAL_BIND=127.0.0.1:8098 PORTAL_INTERNAL_BIND=127.0.0.1:9098 RUST_LOG=warn ./target/release/portal serve & pids+=($!)
# The same with every entitlement check computed (no answer kept in the process).
REDIS_URL="redis://127.0.0.1:$redis_port" PORTAL_ENTITLEMENT_TTL_MS=0 PORTAL_BIND=127.0.0.1:8096 PORTAL_INTERNAL_BIND=127.0.0.1:9096 RUST_LOG=warn ./target/release/portal serve & pids+=($!)
wait_up http://127.0.0.1:8099/bare; wait_up http://127.0.0.1:8097/healthz; wait_up http://127.0.0.1:8098/healthz; wait_up http://127.0.0.1:8096/healthz
measure "bare actix JSON handler" http://127.0.0.1:8099/bare
measure "subscription, Redis" http://127.0.0.1:8097/api/portal/subscription "$token"
measure "subscription, in-process" http://127.0.0.1:8098/api/portal/subscription "$token"
measure "entitlements, Redis" http://127.0.0.1:9097/api/internal/entitlements/cust_demo "$service"
measure "entitlements, Redis, no memo" http://127.0.0.1:9096/api/internal/entitlements/cust_demo "$service"
kill "$(cat "$work/redis.pid")"; rm -f "$work/redis.pid"; sleep 0.5
measure "subscription, Redis killed" http://127.0.0.1:8097/api/portal/subscription "$token"
measure "entitlements, Redis killed" http://127.0.0.1:9097/api/internal/entitlements/cust_demo "$service"
