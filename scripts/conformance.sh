#!/usr/bin/env bash
# Run the outside SCIM 2.0 conformance testers against a running server.
#
#   scripts/conformance.sh BASE_URL TOKEN [DOMAIN]
#
#   BASE_URL  the SCIM base, e.g. http://127.0.0.1:8080/scim/v2 (both tools append
#             /ServiceProviderConfig, /Users, ... to it)
#   TOKEN     bearer token, sent as "Authorization: Bearer TOKEN"
#   DOMAIN    optional mail domain: userNames and emails the testers generate are put
#             in this domain (scim2-tester: patched generator; scim-sanity:
#             --extra-user-fields)
#
# Tools (pinned below): scim2-tester through the scim2-cli "test" command, and
# "scim-sanity probe". Their full outputs go to the results dir; one summary line per
# tool is printed last:
#   scim2-tester: N passed, M failed, K skipped
#   scim-sanity: N passed, M failed, K skipped
#
# Environment:
#   ROSTER_SCIM_VENV                 venv path (default ${CARGO_TARGET_DIR:-<repo>/target}/scim-venv)
#   ROSTER_CONFORMANCE_OUT           results dir (default ${CARGO_TARGET_DIR:-<repo>/target}/conformance)
#   ROSTER_CONFORMANCE_ALLOW_FAIL=1  report only: exit 0 even when a tester reports failures
#   ROSTER_CONFORMANCE_TIMEOUT       seconds per tester run (default 900)
#   ROSTER_CONFORMANCE_TOOLS         which to run: "scim2-tester scim-sanity" (default both)
#   ROSTER_SCIM2_INCLUDE_TAGS        comma list, run only these scim2-tester checks (tags:
#                                    discovery, schemas, resource-types,
#                                    service-provider-config, misc, crud, crud:create,
#                                    crud:read, crud:read:attributes, crud:update,
#                                    crud:delete, patch, patch:add, patch:remove,
#                                    patch:replace); filtered-out checks count as skipped
#   ROSTER_SCIM2_EXCLUDE_TAGS        comma list, skip these scim2-tester checks
#   ROSTER_SCIM2_RESOURCE_TYPES      comma list of resource type names to test (e.g. User)
#   ROSTER_SCIM2_ARGS                extra global scim2 options (e.g. "-s schemas.json")
#   ROSTER_SCIM2_TEST_ARGS           options of "scim2 test" (default "-v")
#   ROSTER_SCIM_SANITY_ARGS          extra "scim-sanity probe" options (e.g. "--compat")
#
# Exit: 0 when no tester reports a failure (or ALLOW_FAIL=1), 1 when one does,
# 2 on usage or installation errors.
set -euo pipefail

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2
    exit 2
}

[[ $# -ge 2 && $# -le 3 ]] || usage
BASE_URL="${1%/}"
TOKEN="$2"
DOMAIN="${3:-}"
case "$BASE_URL" in
    http://* | https://*) ;;
    *) echo "conformance: BASE_URL must start with http:// or https://" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="${ROSTER_SCIM_VENV:-$TARGET/scim-venv}"
OUT="${ROSTER_CONFORMANCE_OUT:-$TARGET/conformance}"
RUN_TIMEOUT="${ROSTER_CONFORMANCE_TIMEOUT:-900}"
TOOLS="${ROSTER_CONFORMANCE_TOOLS:-scim2-tester scim-sanity}"

# The pinned testers, in their venv.
ROSTER_SCIM_VENV="$VENV" "$ROOT/scripts/scim-venv.sh" >/dev/null || exit 2
PY="$VENV/bin/python"

mkdir -p "$OUT"

# The testers talk to a local server: keep any proxy settings out of their way.
run_env=(env -u http_proxy -u https_proxy -u all_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY
    PYTHONUNBUFFERED=1 PYTHONIOENCODING=utf-8 NO_COLOR=1 TERM=dumb)

summaries=()
any_failed=0

# ---------------------------------------------------------------- scim2-tester
# Runs the scim2-cli "test" command in-process (same output as `scim2 --url URL test`)
# so that its results can also be written as JSON, tags can be filtered and the
# generated userNames/emails can be put in DOMAIN.
SCIM2_DRIVER='
import json, os, re, shlex, sys, uuid

import scim2_cli
import scim2_cli.test as cli_test
import scim2_tester.checkers.patch_add as patch_add
import scim2_tester.checkers.patch_replace as patch_replace
import scim2_tester.filling as filling

url, results_path = sys.argv[1], sys.argv[2]
domain = os.environ.get("ROSTER_DOMAIN", "")
split = lambda name: {t.strip() for t in os.environ.get(name, "").split(",") if t.strip()}
include, exclude = split("ROSTER_SCIM2_INCLUDE_TAGS"), split("ROSTER_SCIM2_EXCLUDE_TAGS")
resource_types = sorted(split("ROSTER_SCIM2_RESOURCE_TYPES"))

if domain:
    generated_email = re.compile(r"^[0-9a-f-]{36}@[0-9a-f-]{36}\.com$")
    original_generate = filling.generate_random_value

    def generate_in_domain(context, path, *args, **kwargs):
        value = original_generate(context, path, *args, **kwargs)
        if isinstance(value, str):
            if str(path).rsplit(":", 1)[-1] == "userName" and "@" not in value:
                return f"{value}@{domain}"
            if generated_email.match(value):
                return value.split("@", 1)[0] + "@" + domain
        return value

    for module in (filling, patch_add, patch_replace):
        module.generate_random_value = generate_in_domain

collected = []
original_check_server = cli_test.check_server

def check_server(client, **kwargs):
    if include:
        kwargs["include_tags"] = include
    if exclude:
        kwargs["exclude_tags"] = exclude
    if resource_types:
        kwargs["resource_types"] = resource_types
    results = original_check_server(client, **kwargs)
    collected.extend(results)
    return results

cli_test.check_server = check_server

args = ["--url", url] + shlex.split(os.environ.get("ROSTER_SCIM2_ARGS", ""))
args += ["test"] + shlex.split(os.environ.get("ROSTER_SCIM2_TEST_ARGS", "-v"))
code = 0
try:
    scim2_cli.cli.main(args=args, prog_name="scim2", standalone_mode=True)
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)

counts = {}
for result in collected:
    counts[result.status.name] = counts.get(result.status.name, 0) + 1
with open(results_path, "w") as fh:
    json.dump({
        "exit_code": code,
        "counts": counts,
        "results": [
            {"status": r.status.name, "title": r.title, "resource_type": r.resource_type,
             "tags": sorted(r.tags), "reason": r.reason}
            for r in collected
        ],
    }, fh, indent=2)
sys.exit(code)
'

run_scim2_tester() {
    local log="$OUT/scim2-tester.log" json="$OUT/scim2-tester.json" rc=0
    rm -f "$json"
    SCIM_CLI_HEADERS="Authorization: Bearer $TOKEN" ROSTER_DOMAIN="$DOMAIN" \
        timeout --kill-after=10 "$RUN_TIMEOUT" "${run_env[@]}" \
        "$PY" -c "$SCIM2_DRIVER" "$BASE_URL" "$json" >"$log" 2>&1 || rc=$?
    local line
    # SUCCESS/COMPLIANT/ACCEPTABLE pass; ERROR/CRITICAL fail; DEVIATION is a warning.
    # A run that produced no result at all (discovery failed, timeout, crash) is a failure.
    line="$("$PY" - "$json" "$rc" <<'PY'
import json, sys
path, rc = sys.argv[1], int(sys.argv[2])
try:
    counts = json.load(open(path))["counts"]
except Exception:
    counts = {}
passed = sum(counts.get(k, 0) for k in ("SUCCESS", "COMPLIANT", "ACCEPTABLE"))
failed = sum(counts.get(k, 0) for k in ("ERROR", "CRITICAL"))
skipped = counts.get("SKIPPED", 0)
warned = counts.get("DEVIATION", 0)
note = ""
if not counts:
    failed, note = max(failed, 1), f"no results (exit code {rc})"
elif rc == 124:
    failed, note = failed + 1, "timed out"
print(passed, failed, skipped, warned, note, sep="\t")
PY
)"
    local passed failed skipped warned note
    IFS=$'\t' read -r passed failed skipped warned note <<<"$line"
    [[ "$failed" -eq 0 ]] || any_failed=1
    echo "scim2-tester: full output $log, results $json${note:+ ($note)}, $warned deviations"
    summaries+=("scim2-tester: $passed passed, $failed failed, $skipped skipped")
}

# ---------------------------------------------------------------- scim-sanity
run_scim_sanity() {
    local json="$OUT/scim-sanity.json" err="$OUT/scim-sanity.stderr.log" txt="$OUT/scim-sanity.log" rc=0
    local -a extra=()
    if [[ -n "$DOMAIN" ]]; then
        # --user-domain only acts together with --profile entra: set the fields directly.
        local sfx
        sfx="$("$PY" -c 'import uuid; print(uuid.uuid4().hex[:8])')"
        extra+=(--user-domain "$DOMAIN" --extra-user-fields
            "{\"userName\": \"scim-sanity-test-$sfx@$DOMAIN\", \"emails\": [{\"value\": \"scim-sanity-test-$sfx@$DOMAIN\", \"type\": \"work\", \"primary\": true}]}")
    fi
    local -a user_args=()
    read -r -a user_args <<<"${ROSTER_SCIM_SANITY_ARGS:-}" || true
    rm -f "$json"
    timeout --kill-after=10 "$RUN_TIMEOUT" "${run_env[@]}" \
        "$VENV/bin/scim-sanity" probe "$BASE_URL" --token "$TOKEN" --i-accept-side-effects \
        --json-output --timeout 30 "${extra[@]}" "${user_args[@]}" >"$json" 2>"$err" || rc=$?
    local line
    # pass -> passed; fail + error -> failed; skip -> skipped; warn reported apart.
    # Also renders the human-readable report from the JSON into scim-sanity.log.
    line="$("$PY" - "$json" "$rc" "$txt" <<'PY'
import contextlib, json, sys
path, rc, txt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    data = json.load(open(path))
    s = data["summary"]
except Exception:
    data, s = None, None
if s is None:
    print(0, 1, 0, 0, f"no JSON report (exit code {rc})", sep="\t")
    sys.exit()
try:
    from scim_sanity.probe.report import ProbeResult, print_results
    results = [ProbeResult(r["name"], r["status"], r.get("message", ""), r.get("details", ""),
                           r.get("phase", "")) for r in data.get("results", [])]
    with open(txt, "w") as fh, contextlib.redirect_stdout(fh):
        print_results(results, mode=data.get("mode", ""), version=data.get("scim_sanity_version", ""),
                      timestamp=data.get("timestamp", ""))
except Exception as exc:  # the text report is a convenience only
    open(txt, "w").write(f"could not render report: {exc}\n")
failed = s.get("failed", 0) + s.get("errors", 0)
note = "timed out" if rc == 124 else ""
if rc not in (0, 1) and not failed:
    failed, note = 1, f"exit code {rc}"
print(s.get("passed", 0), failed, s.get("skipped", 0), s.get("warnings", 0), note, sep="\t")
PY
)"
    local passed failed skipped warned note
    IFS=$'\t' read -r passed failed skipped warned note <<<"$line"
    [[ "$failed" -eq 0 ]] || any_failed=1
    echo "scim-sanity: full output $txt, results $json${note:+ ($note)}, $warned warnings"
    summaries+=("scim-sanity: $passed passed, $failed failed, $skipped skipped")
}

for tool in $TOOLS; do
    case "$tool" in
        scim2-tester) run_scim2_tester ;;
        scim-sanity) run_scim_sanity ;;
        *) echo "conformance: unknown tool '$tool' in ROSTER_CONFORMANCE_TOOLS" >&2; exit 2 ;;
    esac
done

printf '%s\n' "${summaries[@]}" | tee "$OUT/summary.txt"

if [[ "$any_failed" -ne 0 && "${ROSTER_CONFORMANCE_ALLOW_FAIL:-0}" != "1" ]]; then
    exit 1
fi
exit 0
