#!/usr/bin/env bash
# The billing run at scale: N (default 100,000) active subscriptions on PostgreSQL,
# written in two INSERT … SELECT statements (scripts/sql/fill-subscriptions.sql), billed
# by `portal billing run` (release build). Prints the run's own figures (customers,
# invoices, seconds, peak memory) and /usr/bin/time's wall clock and peak RSS.
# Needs PostgreSQL on 127.0.0.1:5432 (or BENCH_PG_ADMIN_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
admin=${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=portal_bench_billing_$$
url="${admin%/*}/$db"
cargo build --release --bin portal >/dev/null
psql -X -q -d "$admin" -c "CREATE DATABASE $db"
trap 'psql -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
export DATABASE_URL="$url" PORTAL_JWT_SECRET=bench-secret-0123456789-0123456789 PORTAL_SERVICE_JWT_SECRET=bench-service-0123456789-0123456789 RUST_LOG=${RUST_LOG:-warn}
./target/release/portal seed --demo >/dev/null
next=$(python3 -c 'import datetime,zoneinfo as z; t=datetime.datetime.now(z.ZoneInfo("Asia/Shanghai")).date(); y,m=(t.year+1,1) if t.month==12 else (t.year,t.month+1); print(f"{y:04d}-{m:02d}")')
start="$next-01"
end=$(python3 -c "import datetime as d; s=d.date.fromisoformat('$start'); print(s.replace(year=s.year+1) - d.timedelta(days=1))")
fill_started=$(date +%s.%N)
sed -e "s/{{N}}/$N/g" -e "s/{{PLAN}}/pro/g" -e "s/{{START}}/$start/g" -e "s/{{END}}/$end/g" \
    scripts/sql/fill-subscriptions.sql | psql -X -q -v ON_ERROR_STOP=1 -d "$url"
psql -X -q -d "$url" -c "ANALYZE"
printf 'filled %s subscriptions in %.1f s\n' "$N" "$(echo "$(date +%s.%N) - $fill_started" | bc)"
/usr/bin/time -f 'wall %e s, peak RSS %M kB (/usr/bin/time)' \
    ./target/release/portal billing run --period "$next"
# The §8 run (`POST /api/internal/billing/run`, one HTTP request, the same groups) for the
# month after: each customer owes one more invoice again, and now has invoices and lines
# of the month before to settle against.
after=$(python3 -c "y,m=map(int,'$next'.split('-')); y,m=(y+1,1) if m==12 else (y,m+1); print(f'{y:04d}-{m:02d}')")
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port)
internal=$(free_port)
PORTAL_BILLING_RUN_AT=off PORTAL_BIND=127.0.0.1:$port PORTAL_INTERNAL_BIND=127.0.0.1:$internal ./target/release/portal serve & pid=$!
trap 'kill $pid 2>/dev/null || true; psql -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
service=$(./target/release/portal token --user bench --role service)
started=$(date +%s.%N)
result=$(curl -sf -m 3600 -X POST -H "Authorization: Bearer $service" -H 'Content-Type: application/json' \
    -d "{\"period\": \"$after\"}" "http://127.0.0.1:$internal/api/internal/billing/run")
printf 'billing run %s in one request (§8): %s in %.1f s\n' \
    "$after" "$result" "$(echo "$(date +%s.%N) - $started" | bc)"
