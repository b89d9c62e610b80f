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
    local rc=$?
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$rc"
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
out="${ROSTER_CONFORMANCE_OUT:-${CARGO_TARGET_DIR:-$(dirname "$0")/../target}/conformance}"
ROSTER_CONFORMANCE_OUT="$out" ROSTER_CONFORMANCE_ALLOW_FAIL=1 \
    ROSTER_SCIM2_RESOURCE_TYPES="${ROSTER_SCIM2_RESOURCE_TYPES:-User,Group}" \
    "$(dirname "$0")/conformance.sh" "$base" "$token"

# Every failure must be a known deviation of the tester (documented with the RFC
# reference in the list); anything else fails the run.
python3 - "$out" "$(dirname "$0")/conformance-known-deviations.txt" <<'PY'
import json, re, sys
out, known_file = sys.argv[1], sys.argv[2]
known = [line.strip().split("|", 2) for line in open(known_file)
         if line.strip() and not line.startswith("#")]
results = json.load(open(f"{out}/scim2-tester.json"))["results"]
unexpected, expected = [], []
for r in results:
    if r["status"] not in ("ERROR", "CRITICAL"):
        continue
    reason = r.get("reason") or ""
    hit = any(r["title"] == c and (r.get("resource_type") or "") == t and text in reason
              for c, t, text in known)
    (expected if hit else unexpected).append(f'{r["title"]} [{r.get("resource_type")}]: {reason}')
summary = open(f"{out}/summary.txt").read()
sanity = re.search(r"scim-sanity: (\d+) passed, (\d+) failed", summary)
sanity_failed = int(sanity.group(2)) if sanity else 1
for line in expected:
    print(f"conformance: known tester deviation: {line.splitlines()[0]}")
for line in unexpected:
    print(f"conformance: FAILED: {line}")
if sanity_failed:
    print(f"conformance: FAILED: scim-sanity reports {sanity_failed} failure(s)")
sys.exit(1 if unexpected or sanity_failed else 0)
PY
