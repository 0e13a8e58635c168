#!/usr/bin/env bash
# Instructions per request on the two hot paths, counted by callgrind: repeatable on a
# noisy shared machine where req/s is not. For each server below, the release binary runs
# under `valgrind --tool=callgrind` with instrumentation off until it is up; then 200
# requests warm it, the counters are zeroed, N requests (one keep-alive connection, one
# after the other) are counted, and the profile is dumped. Prints the instructions per
# request, the inclusive cost of the path's parts (PARTS, a regex) and the TOP (12)
# functions costing most themselves. Besides the two hot paths it counts the 366-day usage
# detail on PostgreSQL (at the end). Profiles and valgrind logs are kept in PROFILE_DIR
# (default target/profile) for `callgrind_annotate`.
#
#   scripts/profile-request-path.sh            # all of them
#   ONLY=subscription-redis scripts/profile-request-path.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
TOP=${TOP:-12}
out_dir=${PROFILE_DIR:-target/profile}
scripts/need.sh valgrind valgrind
cargo build --release --bin portal --example bare -p portal-server >/dev/null
mkdir -p "$out_dir"
work=$(mktemp -d)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile "$work/redis.pid" >/dev/null
export PORTAL_BILLING_RUN_AT=off PORTAL_RATE_LIMIT=1000000000 RUST_LOG=warn
export PORTAL_JWT_SECRET=profile-secret-0123456789-0123456789 DATABASE_URL="sqlite://$work/p.db?mode=rwc"
./target/release/portal seed --demo >/dev/null
token=$(./target/release/portal token --customer cust_demo --user profile --role member --ttl 3600)
service=$(./target/release/portal token --user profile --role service --ttl 3600)
pid=""
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The parts of the request path shown inclusively.
PARTS=${PARTS:-'portal_http::|portal_billing::|portal_persistence::|PortalRootSpan|tracing_actix_web::middleware|governor::|jsonwebtoken::|metrics_exporter_prometheus::|serde_json::ser::to_|redis::|deadpool'}

# The functions of a profile, per request: "instructions  function".
annotate() { # file [callgrind_annotate options]
    local file=$1
    shift
    callgrind_annotate --threshold=100 "$@" "$file" 2>/dev/null |
        awk -v n="$N" '
            /file:function/ { listing = 1; next }
            listing && $1 ~ /^[0-9,]+$/ {
                ir = $1; gsub(",", "", ir)
                line = $0; sub(/^ *[0-9,]+ +\([^)]*\) +/, "", line)
                sub(/^[^:]*:/, "", line); sub(/ \[[^]]*\]$/, "", line)
                printf "    %8.0f  %s\n", ir / n, substr(line, 1, 130)
            }'
}

# GETs `count` times on one keep-alive connection; every answer must be 200.
requests() { # port path token count
    python3 - "$@" <<'PY'
import http.client, sys
port, path, token, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
headers = {"Authorization": f"Bearer {token}"} if token else {}
conn = None
for _ in range(count):
    # Under callgrind one slow answer can outlast the server's own timeouts, which then
    # drop the connection: open another and ask again (a few times at most).
    for attempt in range(5):
        try:
            conn = conn or http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            break
        except (ConnectionError, http.client.RemoteDisconnected):
            conn = None
            if attempt == 4:
                raise
    if resp.status != 200:
        sys.exit(f"{path}: {resp.status} {body[:200]!r}")
PY
}

# Counts N requests of `path` on a server started by `command` (its port is given).
count() { # name port path token command...
    local name=$1 port=$2 path=$3 auth=$4
    shift 4
    [ -z "${ONLY:-}" ] || [ "$ONLY" = "$name" ] || return 0
    local file="$out_dir/$name.callgrind"
    rm -f "$file"*
    valgrind --tool=callgrind --trace-children=yes --instr-atstart=no --callgrind-out-file="$file" "$@" \
        2>"$out_dir/$name.valgrind.log" &
    pid=$!
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    # Warm (connections opened, caches filled) before counting begins: under
    # instrumentation the first connections would take longer than their timeouts.
    requests "$port" "$path" "$auth" 200
    callgrind_control -i on "$pid" >/dev/null
    requests "$port" "$path" "$auth" 20
    callgrind_control -z "$pid" >/dev/null
    requests "$port" "$path" "$auth" "$N"
    callgrind_control -d "$pid" >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    local dump
    dump=$(ls -t "$file".* 2>/dev/null | grep -v '\.0$' | head -1 || true)
    [ -n "$dump" ] || dump=$(ls -t "$file"* | head -1)
    local total
    total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {t = $1; gsub(",", "", t)} END {print t}')
    printf '%-34s %10.0f instructions per request\n' "$name" "$(awk -v t="$total" -v n="$N" 'BEGIN {print t / n}')"
    # Inclusive cost of the request path's parts, then the functions costing most
    # themselves.
    annotate "$dump" --inclusive=yes | grep -E "$PARTS" | head -n "$TOP" || true
    echo "    (self)"
    annotate "$dump" | head -n "$TOP" || true
}

p=$(free_port)
count bare "$p" /bare "" ./target/release/examples/bare "127.0.0.1:$p"
p=$(free_port); i=$(free_port)
count subscription-redis "$p" /api/portal/subscription "$token" \
    env REDIS_URL="redis://127.0.0.1:$redis_port" PORTAL_BIND="127.0.0.1:$p" PORTAL_INTERNAL_BIND="127.0.0.1:$i" ./target/release/portal serve
p=$(free_port); i=$(free_port)
count subscription-in-process "$p" /api/portal/subscription "$token" \
    env PORTAL_BIND="127.0.0.1:$p" PORTAL_INTERNAL_BIND="127.0.0.1:$i" ./target/release/portal serve
p=$(free_port); i=$(free_port)
count entitlements-redis "$i" /api/internal/entitlements/cust_demo "$service" \
    env REDIS_URL="redis://127.0.0.1:$redis_port" PORTAL_BIND="127.0.0.1:$p" PORTAL_INTERNAL_BIND="127.0.0.1:$i" ./target/release/portal serve

# The 366-day usage detail (1,098 items per answer) on PostgreSQL, when it runs on
# 127.0.0.1:5432 (or PROFILE_PG_ADMIN_URL): one customer's year of daily rows in a fresh
# database (the big table changes PostgreSQL's share, which runs outside callgrind, not
# the portal's). Fewer requests: each costs far more.
admin=${PROFILE_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if { [ -z "${ONLY:-}" ] || [ "$ONLY" = usage-detail ]; } && psql -X -q -d "$admin" -c 'SELECT 1' >/dev/null 2>&1; then
    db=portal_profile_$$
    psql -X -q -d "$admin" -c "CREATE DATABASE $db"
    trap 'cleanup; psql -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
    pg_url="${admin%/*}/$db"
    today=$(python3 -c 'import datetime,zoneinfo as z; print(datetime.datetime.now(z.ZoneInfo("Asia/Shanghai")).date())')
    from=$(python3 -c "import datetime as d; print(d.date.fromisoformat('$today') - d.timedelta(days=365))")
    DATABASE_URL=$pg_url PORTAL_SERVICE_JWT_SECRET=profile-service-0123456789-0123456789 \
        ./target/release/portal seed --demo >/dev/null
    sed -e "s/{{N}}/1/g" -e "s/{{PLAN}}/pro/g" -e "s/{{START}}/$from/g" -e "s/{{END}}/$today/g" \
        scripts/sql/fill-subscriptions.sql | psql -X -q -v ON_ERROR_STOP=1 -d "$pg_url"
    sed -e "s/{{DAYS}}/366/g" -e "s/{{FROM}}/$from/g" -e "s/{{CUSTOMERS}}/1/g" \
        scripts/sql/fill-usage.sql | psql -X -q -v ON_ERROR_STOP=1 -d "$pg_url"
    bulk=$(./target/release/portal token --customer cust_bulk_1000001 --user profile --role member --ttl 3600)
    p=$(free_port); i=$(free_port)
    N=${N_DETAIL:-200} count usage-detail "$p" "/api/portal/usage/detail?from=$from&to=$today" "$bulk" \
        env DATABASE_URL="$pg_url" PORTAL_SERVICE_JWT_SECRET=profile-service-0123456789-0123456789 \
        PORTAL_BIND="127.0.0.1:$p" PORTAL_INTERNAL_BIND="127.0.0.1:$i" ./target/release/portal serve
fi
