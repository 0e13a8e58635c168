#!/usr/bin/env bash
# The statement (对账单, §15) of a customer with many documents: N (default 10,000)
# invoices, credit notes and payments spread over the last 24 months on PostgreSQL,
# written straight into the tables (scripts/sql/fill-statement.sql), then
# `GET /api/portal/statement?format=xlsx|csv|json` of those 24 months timed from outside
# (release build): each format's median and slowest of R (default 20) requests, and the
# file's size. Needs PostgreSQL on 127.0.0.1:5432 (or BENCH_PG_ADMIN_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
R=${R:-20}
admin=${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=portal_bench_statement_$$
url="${admin%/*}/$db"
cargo build --release --bin portal >/dev/null
psql -X -q -d "$admin" -c "CREATE DATABASE $db"
trap 'psql -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
export DATABASE_URL="$url" PORTAL_JWT_SECRET=bench-secret-0123456789-0123456789 PORTAL_SERVICE_JWT_SECRET=bench-service-0123456789-0123456789 RUST_LOG=warn
./target/release/portal seed --demo >/dev/null
sed -e "s/{{N}}/$N/g" scripts/sql/fill-statement.sql | psql -X -q -v ON_ERROR_STOP=1 -d "$url"
psql -X -q -d "$url" -c "ANALYZE"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port)
internal=$(free_port)
PORTAL_BILLING_RUN_AT=off PORTAL_BIND=127.0.0.1:$port PORTAL_INTERNAL_BIND=127.0.0.1:$internal PORTAL_RATE_LIMIT=100000 ./target/release/portal serve & pid=$!
trap 'kill $pid 2>/dev/null || true; psql -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
token=$(./target/release/portal token --customer cust_demo --user bench --role member)
range=$(python3 -c 'import datetime,zoneinfo as z; t=datetime.datetime.now(z.ZoneInfo("Asia/Shanghai")).date(); y,m=t.year-2,t.month+1
if m==13: y,m=y+1,1
print(f"from={y:04d}-{m:02d}&to={t.year:04d}-{t.month:02d}")')
entries=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/portal/statement?$range" \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["entries"]))')
echo "statement of 24 months: $entries entries"
for format in xlsx csv json; do
    times=()
    for _ in $(seq 1 "$R"); do
        t=$(curl -sf -o /tmp/statement.$$ -w '%{time_total}' -H "Authorization: Bearer $token" \
            "http://127.0.0.1:$port/api/portal/statement?$range&format=$format")
        times+=("$t")
    done
    size=$(stat -c %s /tmp/statement.$$)
    printf '%s\n' "${times[@]}" | sort -n | awk -v f="$format" -v s="$size" \
        '{a[NR]=$1} END {printf "%-4s median %.1f ms, slowest %.1f ms, %d bytes\n", f, a[int((NR+1)/2)]*1000, a[NR]*1000, s}'
done
rm -f /tmp/statement.$$
