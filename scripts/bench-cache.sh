#!/usr/bin/env bash
# The two hot paths against a bare actix JSON handler, on loopback in one run: GET
# /api/portal/subscription (Redis, in-process cache) and the entitlement check the
# platform asks before every AI reply and e-mail (GET /api/internal/entitlements/{id} on
# the internal listener, §11: its answer kept 250 ms in the process), then both with Redis
# killed. Each is measured in PAIRS (2) alternating pairs, bare then portal, wrk -t2 -c64
# for DURATION (8 s) each; prints each pair's req/s, p99 and errors and the ratios, then
# the mean ratios. Needs wrk and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-8s}
PAIRS=${PAIRS:-2}
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
ms() { # wrk latency (850.00us, 2.63ms, 1.02s) in milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[^m]s$/) n *= 1000; print n }'
}
run_wrk() { # url [auth] → "req/s p99-ms errors"
    local out
    out=$(wrk -t2 -c64 -d"$DURATION" --latency ${2:+-H "Authorization: Bearer $2"} "$1")
    local rps p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
    errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
    echo "$rps $p99 $errors"
}
# The bare handler and the portal alternately, PAIRS times: each pair's ratio of req/s
# and of p99, then their means (the issue's figure: ≥ 0.60 of bare, p99 ≤ 1.5× bare's).
measure() { # name url [auth]
    local name=$1 url=$2 auth=${3:-} ratios=() p99s=()
    for pair in $(seq 1 "$PAIRS"); do
        read -r bare_rps bare_p99 _ <<<"$(run_wrk http://127.0.0.1:8099/bare)"
        read -r rps p99 errors <<<"$(run_wrk "$url" "$auth")"
        local ratio p99_ratio
        ratio=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", a / b}')
        p99_ratio=$(awk -v a="$p99" -v b="$bare_p99" 'BEGIN {printf "%.2f", a / b}')
        ratios+=("$ratio"); p99s+=("$p99_ratio")
        printf '%-30s pair %s: bare %8.0f req/s p99 %6.2f ms | portal %8.0f req/s p99 %6.2f ms | %s of bare, p99 %s× | %s errors\n' \
            "$name" "$pair" "$bare_rps" "$bare_p99" "$rps" "$p99" "$ratio" "$p99_ratio" "$errors"
    done
    summary+=("$(printf '%-30s mean %s of bare, p99 %s× bare' "$name" \
        "$(printf '%s\n' "${ratios[@]}" | awk '{s += $1} END {printf "%.2f", s / NR}')" \
        "$(printf '%s\n' "${p99s[@]}" | awk '{s += $1} END {printf "%.2f", s / NR}')")")
}
summary=()
./target/release/examples/bare 127.0.0.1:8099 & pids+=($!)
REDIS_URL="redis://127.0.0.1:$redis_port" PORTAL_BIND=127.0.0.1:8097 PORTAL_INTERNAL_BIND=127.0.0.1:9097 RUST_LOG=warn ./target/release/portal serve & pids+=($!)
PORTAL_BIND=127.0.0.1:8098 PORTAL_INTERNAL_BIND=127.0.0.1:9098 RUST_LOG=warn ./target/release/portal serve & pids+=($!)
wait_up http://127.0.0.1:8099/bare; wait_up http://127.0.0.1:8097/healthz; wait_up http://127.0.0.1:8098/healthz
measure "subscription, Redis" http://127.0.0.1:8097/api/portal/subscription "$token"
measure "entitlements, Redis" http://127.0.0.1:9097/api/internal/entitlements/cust_demo "$service"
measure "subscription, in-process" http://127.0.0.1:8098/api/portal/subscription "$token"
kill "$(cat "$work/redis.pid")"; rm -f "$work/redis.pid"; sleep 0.5
measure "subscription, Redis killed" http://127.0.0.1:8097/api/portal/subscription "$token"
measure "entitlements, Redis killed" http://127.0.0.1:9097/api/internal/entitlements/cust_demo "$service"
echo
printf '%s\n' "${summary[@]}"
