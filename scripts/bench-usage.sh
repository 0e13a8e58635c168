#!/usr/bin/env bash
# Usage reads on a big table: about 10,000,000 rows of daily usage (ROWS) in PostgreSQL,
# written by one INSERT … SELECT over generate_series (scripts/sql/fill-usage.sql), then
# one customer's usage overview and 366-day detail read under wrk (release build, 4
# connections, 10 s each after 2 s of warm-up). Prints the table's size, req/s and p50/p99 latency.
# Needs PostgreSQL on 127.0.0.1:5432 (or BENCH_PG_ADMIN_URL) and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
CUSTOMERS=${CUSTOMERS:-3000}
DURATION=${DURATION:-10s}
days=$(( ROWS / (CUSTOMERS * 3) ))
admin=${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=portal_bench_usage_$$
url="${admin%/*}/$db"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port)
internal=$(free_port)
cargo build --release --bin portal >/dev/null
psql -X -q -d "$admin" -c "CREATE DATABASE $db"
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; psql -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; }
trap cleanup EXIT
export DATABASE_URL="$url" PORTAL_JWT_SECRET=bench-secret-0123456789-0123456789 PORTAL_SERVICE_JWT_SECRET=bench-service-0123456789-0123456789 RUST_LOG=warn
export PORTAL_BILLING_RUN_AT=off PORTAL_BIND=127.0.0.1:$port PORTAL_INTERNAL_BIND=127.0.0.1:$internal PORTAL_RATE_LIMIT=1000000000
./target/release/portal seed --demo >/dev/null
today=$(python3 -c 'import datetime,zoneinfo as z; print(datetime.datetime.now(z.ZoneInfo("Asia/Shanghai")).date())')
from=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$today') - d.timedelta(days=$days - 1))")
sed -e "s/{{N}}/$CUSTOMERS/g" -e "s/{{PLAN}}/pro/g" -e "s/{{START}}/$from/g" -e "s/{{END}}/$today/g" \
    scripts/sql/fill-subscriptions.sql | psql -X -q -v ON_ERROR_STOP=1 -d "$url"
started=$(date +%s.%N)
sed -e "s/{{DAYS}}/$days/g" -e "s/{{FROM}}/$from/g" -e "s/{{CUSTOMERS}}/$CUSTOMERS/g" \
    scripts/sql/fill-usage.sql | psql -X -q -v ON_ERROR_STOP=1 -d "$url"
psql -X -q -d "$url" -c "VACUUM ANALYZE usage_logs"
printf 'usage_logs: %s rows (%s days × %s customers × 3 products) written in %.0f s; table %s, indexes %s\n' \
    "$(psql -X -t -A -d "$url" -c 'SELECT count(*) FROM usage_logs')" "$days" "$CUSTOMERS" \
    "$(echo "$(date +%s.%N) - $started" | bc)" \
    "$(psql -X -t -A -d "$url" -c "SELECT pg_size_pretty(pg_table_size('usage_logs'))")" \
    "$(psql -X -t -A -d "$url" -c "SELECT pg_size_pretty(pg_indexes_size('usage_logs'))")"
# How PostgreSQL reads one customer's year (the shape of the store's query).
psql -X -t -A -d "$url" -c "EXPLAIN (ANALYZE, BUFFERS) SELECT date, product, count FROM usage_logs \
    WHERE customer_id = 'cust_bulk_1001500' AND date >= '$today'::date - 365 AND date <= '$today' \
    ORDER BY date, product" | grep -E 'Scan|Heap Fetches|Buffers|Execution Time' | sed 's/^/  plan: /'
./target/release/portal serve & pid=$!
for _ in $(seq 1 100); do curl -sf "http://$PORTAL_BIND/readyz" >/dev/null && break; sleep 0.1; done
token=$(./target/release/portal token --customer cust_bulk_1001500 --user bench --role member --ttl 3600)
detail_from=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$today') - d.timedelta(days=365))")
for path in "/api/portal/usage" "/api/portal/usage/detail?from=$detail_from&to=$today"; do
    rows=$(curl -sf -H "Authorization: Bearer $token" "http://$PORTAL_BIND$path" | python3 -c 'import json,sys; b=json.load(sys.stdin); print(len(b.get("items", b.get("products", []))))')
    # Warm-up, not counted: the pool opens its PostgreSQL connections on the first
    # concurrent requests (tens of ms each), which would otherwise be the p99.
    wrk -t2 -c4 -d2s -H "Authorization: Bearer $token" "http://$PORTAL_BIND$path" >/dev/null
    out=$(wrk -t2 -c4 -d"$DURATION" --latency -H "Authorization: Bearer $token" "http://$PORTAL_BIND$path")
    printf '%-40s %6s items  %8.0f req/s   p50 %8s   p99 %8s   %s\n' "${path%%\?*}" "$rows" \
        "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="50%" {print $2}' <<<"$out")" \
        "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(awk '/Non-2xx|Socket errors/' <<<"$out" | tr '\n' ' ')"
done
