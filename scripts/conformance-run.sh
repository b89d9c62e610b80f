#!/usr/bin/env bash
# Starts a roster-server (fresh SQLite file in a temp dir, 127.0.0.1, free port,
# every email domain authorized, the demo licenses and groups but no users) and runs
# the outside SCIM conformance testers against it (scripts/conformance.sh).
#
#   scripts/conformance-run.sh PATH/TO/roster-server
#
# scim2-tester exercises every resource type as a writable collection, so it is
# pointed at User and Group; License and Invitation are read-only collections
# (Invitation takes POST to resend) that its create/replace/delete checks cannot
# apply to. scim-sanity probes Users and Groups only.
set -euo pipefail
server_bin="$1"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

"$server_bin" --bind 127.0.0.1:0 --db "$work/conformance.db" --authorized-domain '*' \
    --org-name "Conformance" --seed-users 0 --print-admin-token \
    >"$work/token" 2>"$work/server.log" &
server_pid=$!
base=""
for _ in $(seq 1 100); do
    base="$(sed -n 's/^roster-server: serving //p' "$work/server.log")"
    [[ -n "$base" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "conformance: roster-server did not start:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
[[ -n "$base" ]] || { echo "conformance: roster-server did not report its address" >&2; exit 1; }
token="$(head -n 1 "$work/token")"
echo "conformance: roster-server at $base"
ROSTER_SCIM2_RESOURCE_TYPES="${ROSTER_SCIM2_RESOURCE_TYPES:-User,Group}" \
    "$(dirname "$0")/conformance.sh" "$base" "$token"
