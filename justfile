# 客户控制台 — Customer Portal. `just` lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

# A development key; production sets PORTAL_JWT_SECRET to the platform's shared key.
export PORTAL_JWT_SECRET := env_var_or_default("PORTAL_JWT_SECRET", "dev-only-secret-change-me-0123456789")
bind := env_var_or_default("PORTAL_BIND", "127.0.0.1:8080")

default:
    @just --list

# Build the release binary.
build:
    cargo build --release --bin portal

# Run the portal on the embedded default (SQLite, in-process cache) with the demo data, and print a sign-in link.
run: build
    ./target/release/portal migrate
    ./target/release/portal seed --demo
    @echo ""
    @echo "客户控制台 is starting on http://{{bind}}"
    @echo "Sign in as the demo admin (token valid 8 h):"
    @echo "  http://{{bind}}/?token=$(./target/release/portal token --customer cust_demo --user user_demo_admin --role admin --ttl 28800)"
    @echo "Try the API:"
    @echo "  curl -H \"Authorization: Bearer \$(./target/release/portal token --customer cust_demo --user u1 --role member)\" http://{{bind}}/api/portal/account"
    @echo ""
    PORTAL_BIND={{bind}} PORTAL_DEMO_SIGN_IN=true ./target/release/portal serve

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

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Every test: lints, unit tests of each layer, and the black-box tests on SQLite and PostgreSQL.
test: services lint
    cargo test --workspace

# Print the OpenAPI document.
openapi: build
    #!/usr/bin/env bash
    set -euo pipefail
    ./target/release/portal serve & pid=$!
    trap 'kill $pid' EXIT
    for _ in $(seq 1 50); do curl -sf http://{{bind}}/healthz >/dev/null && break; sleep 0.2; done
    curl -s http://{{bind}}/api/openapi.json
