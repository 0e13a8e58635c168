# 客户控制台 — Customer Portal. `just` lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

bind := env_var_or_default("PORTAL_BIND", "127.0.0.1:8080")
# The platform's calls, the metrics and the probes (§17).
internal_bind := env_var_or_default("PORTAL_INTERNAL_BIND", "127.0.0.1:9090")

# The single-page app's build tools (see `frontend-tools`).
trunk_version := "0.21.14"
# The wasm build of the app: its own target dir, so it never waits for the server's
# build lock; `erase_components` erases Leptos' view types (a smaller wasm); no
# reference types, so Debian's wasm-opt (binaryen 108, which mistakes externref for
# anyref) can optimise the module. Applies to wasm32 builds only.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS := "--cfg erase_components -C target-feature=-reference-types"
wasm_target_dir := "target/wasm"

default:
    @just --list

# Install what the app's build needs, when missing: the wasm32 target, Trunk, the wasm-bindgen CLI of Cargo.lock's version, and wasm-opt (binaryen, from apt when root).
frontend-tools:
    #!/usr/bin/env bash
    set -euo pipefail
    rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
    # Tools build without their fat LTO (their speed does not matter here; a fresh CI
    # machine builds them every run): several times faster to install.
    export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
    if [ "$(trunk --version 2>/dev/null)" != "trunk {{trunk_version}}" ]; then
        cargo install --locked trunk --version {{trunk_version}}
    fi
    # Trunk runs the CLI of the exact version the app links (it cannot download one here).
    locked=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $locked" ]; then
        cargo install wasm-bindgen-cli --version "$locked"
    fi
    scripts/need.sh wasm-opt binaryen

# Build the release binary and the app (into dist/).
build: frontend-tools
    cargo build --release --bin portal
    CARGO_TARGET_DIR={{wasm_target_dir}} trunk build --release

# Write `.env` with a generated development key, unless it names one already. The `portal` binary reads `.env`, so its commands work the same from any shell in this directory; production sets PORTAL_JWT_SECRET to the platform's shared key instead.
dev-env:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! grep -qs '^PORTAL_JWT_SECRET=' .env; then
        key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
        echo "PORTAL_JWT_SECRET=$key" >> .env
        echo "wrote a development key to .env"
    fi
    # The platform's service tokens take a key of their own (required with PostgreSQL).
    if ! grep -qs '^PORTAL_SERVICE_JWT_SECRET=' .env; then
        key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
        echo "PORTAL_SERVICE_JWT_SECRET=$key" >> .env
        echo "wrote a development service key to .env"
    fi

# Run the portal on the embedded default (SQLite, in-process cache) with the demo data, and print a sign-in link.
run: build dev-env
    ./target/release/portal migrate
    ./target/release/portal seed --demo
    @echo ""
    @echo "客户控制台 is starting on http://{{bind}}"
    @echo "Sign in as the demo admin (token valid 8 h):"
    @echo "  http://{{bind}}/?token=$(./target/release/portal token --customer cust_demo --user user_demo_admin --role admin --ttl 28800)"
    @echo "Try the API (from this directory, in any shell: the key is in .env):"
    @echo "  curl -H \"Authorization: Bearer \$(./target/release/portal token --customer cust_demo --user u1 --role member)\" http://{{bind}}/api/portal/account"
    @echo "  curl -H \"Authorization: Bearer \$(just token)\" http://{{bind}}/api/portal/invoices"
    @echo "The platform's calls and the metrics answer on the internal listener only:"
    @echo "  curl -H \"Authorization: Bearer \$(just token service)\" http://{{internal_bind}}/api/internal/entitlements/cust_demo"
    @echo "  curl -s http://{{internal_bind}}/metrics | grep http_requests_total"
    @echo ""
    PORTAL_BIND={{bind}} PORTAL_INTERNAL_BIND={{internal_bind}} PORTAL_DEMO_SIGN_IN=true ./target/release/portal serve

# Print a token for the demo customer (role admin, member or service), signed with the key in .env.
token role="admin": dev-env
    #!/usr/bin/env bash
    set -euo pipefail
    [ -x target/release/portal ] || cargo build --release --bin portal >&2
    if [ "{{role}}" = service ]; then
        ./target/release/portal token --user billing --role service
    else
        ./target/release/portal token --customer cust_demo --user u1 --role {{role}}
    fi

# The app with live reload on http://127.0.0.1:8081, /api proxied to a portal on 127.0.0.1:8080 (start one with `just run`).
dev: frontend-tools
    CARGO_TARGET_DIR={{wasm_target_dir}} trunk serve

# Start PostgreSQL and Redis when they are installed but not running (as this machine kind and CI need).
services:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
        if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
        else
            echo "PostgreSQL is not running on 127.0.0.1:5432 and is not installed here." >&2
            echo "Install it (Debian: apt-get install postgresql) or set PORTAL_TEST_PG_URL." >&2
            exit 1
        fi
        for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    fi
    if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    fi

# Formatting, lints, and no module of a crate importing another around a circle, as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    python3 scripts/module-cycles.py crates/*/src

# Every test: lints, unit tests of each layer, the black-box tests on SQLite, PostgreSQL and Redis, the browser tests, and schemathesis over the OpenAPI document.
test: services lint unit e2e api-fuzz

# Schemathesis (from PyPI) against the release build: generated calls of every operation; a 5xx or a status the OpenAPI document does not declare fails.
api-fuzz: build
    scripts/schemathesis.sh

# The Rust tests only (unit tests of each layer and the black-box API tests).
unit: services
    cargo test --workspace

# The browser tests: the release build in Debian's headless Chromium (installed from apt when missing and root).
e2e: build
    #!/usr/bin/env bash
    set -euo pipefail
    scripts/need.sh chromium chromium chromium-driver
    # A Chinese font, so the screenshots show the app's text rather than empty boxes.
    fc-list :lang=zh 2>/dev/null | grep -q . || scripts/apt-install.sh fonts-wqy-microhei
    cd e2e
    npm ci --no-audit --no-fund --loglevel=error
    node --test --test-concurrency=1 tests/

# The app's first load: compressed size (gzip, brotli) of its files in dist/, and the time until the overview shows data (headless Chromium, loopback).
size: build
    #!/usr/bin/env bash
    set -euo pipefail
    cd e2e
    [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
    node size.mjs

# Benchmarks that print figures (never asserted): invoice PDF rendering (criterion), usage ingestion over HTTP on PostgreSQL (8 clients), the shared request path in process (criterion), cached reads under wrk (bare and portal alternately: the subscription read and the entitlement check, via Redis, in process, Redis killed), and at scale: a billing run of 100,000 subscriptions and usage reads on a 10,000,000-row table (PostgreSQL).
bench: services
    cargo bench -p portal-pdf --bench render
    INGEST_CLIENTS=8 cargo bench -p portal-tests --bench ingest
    cargo bench -p portal-tests --bench upcoming
    cargo bench -p portal-server --bench request_path
    scripts/need.sh wrk wrk
    scripts/bench-cache.sh
    just bench-scale

# Instructions per request on the hot paths (bare handler, the subscription read via Redis and in process, the entitlement check) and the 366-day usage detail on PostgreSQL, counted by callgrind; profiles kept in target/profile.
profile:
    scripts/profile-request-path.sh

# The scale benchmarks alone: a billing run of N (100,000) subscriptions, the statement of a customer with 10,000 documents, and usage reads on a table of ROWS (10,000,000) rows, all on PostgreSQL.
bench-scale: services
    scripts/need.sh wrk wrk
    scripts/bench-billing-run.sh
    scripts/bench-statement.sh
    scripts/bench-usage.sh

# Render the demo customer's invoices (zh and en) to PNG pages in artifacts/invoices/, to look at them.
invoice-pngs:
    #!/usr/bin/env bash
    set -euo pipefail
    scripts/need.sh pdftoppm poppler-utils
    cargo build --release --bin portal
    work=$(mktemp -d); pid=""
    trap '[ -z "$pid" ] || kill "$pid"; rm -rf "$work"' EXIT
    export DATABASE_URL="sqlite://$work/p.db?mode=rwc" PORTAL_BIND=127.0.0.1:8093
    export PORTAL_JWT_SECRET=invoice-pngs-0123456789abcdef-0123456789
    ./target/release/portal seed --demo >/dev/null
    RUST_LOG=warn ./target/release/portal serve & pid=$!
    for _ in $(seq 1 50); do curl -sf http://$PORTAL_BIND/healthz >/dev/null && break; sleep 0.2; done
    auth="Authorization: Bearer $(./target/release/portal token --customer cust_demo --user u --role member)"
    mkdir -p artifacts/invoices
    for id in $(curl -sf -H "$auth" http://$PORTAL_BIND/api/portal/invoices | python3 -c 'import json,sys; print(" ".join(i["invoice_id"] for i in json.load(sys.stdin)["invoices"]))'); do
        for lang in zh en; do
            curl -sf -H "$auth" "http://$PORTAL_BIND/api/portal/invoices/$id/pdf?lang=$lang" -o "$work/$id-$lang.pdf"
            pdftoppm -r 70 -png "$work/$id-$lang.pdf" "artifacts/invoices/$id-$lang"
        done
    done
    ls artifacts/invoices

# Print the OpenAPI document.
openapi: build dev-env
    #!/usr/bin/env bash
    set -euo pipefail
    ./target/release/portal serve & pid=$!
    trap 'kill $pid' EXIT
    for _ in $(seq 1 50); do curl -sf http://{{bind}}/healthz >/dev/null && break; sleep 0.2; done
    curl -s http://{{bind}}/api/openapi.json
