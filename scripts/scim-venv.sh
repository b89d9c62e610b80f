#!/usr/bin/env bash
# Creates (once) the Python venv with the outside SCIM tools pinned, and prints its
# path: scim2-cli / scim2-tester and scim-sanity, from PyPI.
#
#   VENV=$(scripts/scim-venv.sh)        # ROSTER_SCIM_VENV overrides the location
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="${ROSTER_SCIM_VENV:-$TARGET/scim-venv}"

# Pinned tools and their whole dependency closure (as resolved on PyPI for 0.6.0/0.7.4).
REQUIREMENTS="annotated-types==0.8.0
anyio==4.16.0
click==8.5.1
colorama==0.4.6
dnspython==2.9.2
docutils==0.23
email-validator==2.4.0
h11==0.16.0
httpcore2==2.16.2
httpx2==2.16.2
idna==3.20
lark==1.3.1
pydanclick==0.5.1
pydantic==2.14.4
pydantic_core==2.50.5
Pygments==2.21.0
scim-sanity==0.7.4
scim2-cli==0.6.0
scim2-client==0.13.2
scim2-models==0.12.3
scim2-tester==0.5.2
sphinx-click-rst-to-ansi-formatter==0.2.0
truststore==0.10.5
typing-inspection==0.4.5
typing_extensions==4.16.0"

# ---------------------------------------------------------------- venv + install
PY="$VENV/bin/python"
STAMP="$VENV/.roster-conformance-requirements"
if [[ ! -x "$PY" ]]; then
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" || { echo "scim-venv: cannot create venv at $VENV" >&2; exit 2; }
fi
if [[ ! -f "$STAMP" ]] || [[ "$(cat "$STAMP")" != "$REQUIREMENTS" ]]; then
    req_file="$(mktemp)"
    printf '%s\n' "$REQUIREMENTS" >"$req_file"
    if ! PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 timeout --kill-after=10 600 \
        "$PY" -m pip install --quiet --no-input --disable-pip-version-check -r "$req_file"; then
        rm -f "$req_file"
        echo "scim-venv: pip install of the SCIM tools failed" >&2
        exit 2
    fi
    rm -f "$req_file"
    printf '%s' "$REQUIREMENTS" >"$STAMP"
fi

echo "$VENV"
