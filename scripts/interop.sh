#!/usr/bin/env bash
# Roster against SCIM servers we did not write: installs them (once, into the target
# directory), starts each on a free port of 127.0.0.1, and runs the interop tests of
# roster-core (crates/roster-core/tests/interop.rs) against them.
#
#   scripts/interop.sh            # CARGO_TARGET_DIR decides where things go
#
# - scim2-server (PyPI), in memory, in a venv at $TARGET/interop-venv;
# - SCIMMY + scimmy-routers (npm), with the in-memory glue of tests/interop/scimmy/,
#   installed with `npm ci` from its package-lock.json into $TARGET/interop-scimmy.
# Both are stopped when the script ends, whatever happens.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
TARGET="$CARGO_TARGET_DIR"
mkdir -p "$TARGET"

step() { printf '\n== %s\n' "$*"; }

# ------------------------------------------------------------- scim2-server (PyPI)
VENV="$TARGET/interop-venv"
# Pinned, with its dependency closure as resolved on PyPI for scim2-server 0.8.3.
REQUIREMENTS="annotated-types==0.8.0
dnspython==2.9.2
email-validator==2.4.0
idna==3.20
lark==1.3.1
pydantic==2.14.4
pydantic_core==2.50.5
scim2-models==0.12.3
scim2-server==0.8.3
typing-inspection==0.4.5
typing_extensions==4.16.0"
STAMP="$VENV/.roster-interop-requirements"
if [[ ! -x "$VENV/bin/scim2-server" ]] || [[ "$(cat "$STAMP" 2>/dev/null)" != "$REQUIREMENTS" ]]; then
    step "installing scim2-server into $VENV"
    python3 -m venv "$VENV"
    printf '%s\n' "$REQUIREMENTS" > "$VENV/requirements.txt"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$VENV/requirements.txt"
    printf '%s' "$REQUIREMENTS" > "$STAMP"
fi

# ------------------------------------------------------------------- SCIMMY (npm)
GLUE="$ROOT/tests/interop/scimmy"
NODE_DIR="$TARGET/interop-scimmy"
mkdir -p "$NODE_DIR"
if ! cmp -s "$GLUE/package-lock.json" "$NODE_DIR/package-lock.json" || [[ ! -d "$NODE_DIR/node_modules" ]]; then
    step "installing SCIMMY into $NODE_DIR"
    cp "$GLUE/package.json" "$GLUE/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$GLUE/server.js" "$NODE_DIR/server.js"

# ------------------------------------------------------------------ start, run, stop
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PIDS=()
LOGS="$TARGET/interop-logs"
mkdir -p "$LOGS"
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Waits until $1 answers HTTP (any status) or the process $2 died.
wait_http() {
    local url=$1 pid=$2 log=$3
    for _ in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "scripts/interop.sh: the server for $url did not start:" >&2
            cat "$log" >&2
            exit 1
        fi
        if curl -s -o /dev/null "$url"; then return 0; fi
        sleep 0.1
    done
    echo "scripts/interop.sh: $url did not answer in 10 s" >&2
    cat "$log" >&2
    exit 1
}

TOKEN="interop-$(date +%s)"

SCIM2_PORT=$(free_port)
"$VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$SCIM2_PORT" --bearer-token "$TOKEN" \
    > "$LOGS/scim2-server.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$SCIM2_PORT/v2/ServiceProviderConfig" "${PIDS[-1]}" "$LOGS/scim2-server.log"

SCIMMY_PORT=$(free_port)
(cd "$NODE_DIR" && PORT="$SCIMMY_PORT" HOST=127.0.0.1 TOKEN="$TOKEN" exec node server.js) \
    > "$LOGS/scimmy.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$SCIMMY_PORT/scim/v2/ServiceProviderConfig" "${PIDS[-1]}" "$LOGS/scimmy.log"

export ROSTER_INTEROP_SCIM2_URL="http://127.0.0.1:$SCIM2_PORT/v2"
export ROSTER_INTEROP_SCIM2_TOKEN="$TOKEN"
export ROSTER_INTEROP_SCIMMY_URL="http://127.0.0.1:$SCIMMY_PORT/scim/v2"
export ROSTER_INTEROP_SCIMMY_TOKEN="$TOKEN"

step "interop tests: scim2-server on :$SCIM2_PORT, SCIMMY on :$SCIMMY_PORT (logs in $LOGS)"
cd "$ROOT"
cargo test -p roster-core --test interop --locked -- --nocapture --test-threads=1
