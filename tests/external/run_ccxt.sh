#!/usr/bin/env bash
# Runs ccxt 4.5.90 (a client written by others for the real exchange) against `cdc-engine sim`,
# changing only its hosts. Installs ccxt into a venv under the cargo target dir if needed,
# builds the binary, starts the sim on a free loopback port, runs tests/external/ccxt_smoke.py
# and always stops the sim. Ends with "N passed, M failed"; exits non-zero on any failure,
# including when ccxt cannot be installed (there is no skip).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET/ccxt-venv"
PY="$VENV/bin/python"
KEY="ccxt-smoke-key"
SECRET="ccxt-smoke-secret"
WORK="$(mktemp -d)"
SIM_PID=""

cleanup() {
    if [[ -n "$SIM_PID" ]]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

fail() { echo "run_ccxt: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

if ! "$PY" -c 'import ccxt, sys; sys.exit(ccxt.__version__ != "4.5.90")' 2>/dev/null; then
    echo "run_ccxt: installing ccxt==4.5.90 into $VENV" >&2
    # CI requires this check: without ccxt it cannot run, and that is a failure, never a skip.
    python3 -m venv "$VENV" || fail "could not create a Python venv at $VENV (is python3-venv installed?)"
    "$PY" -m pip install -q ccxt==4.5.90 \
        || fail "pip could not install ccxt==4.5.90 (no access to PyPI or to a mirror set in pip's config?); this check cannot be skipped"
    "$PY" -c 'import ccxt, sys; sys.exit(ccxt.__version__ != "4.5.90")' \
        || fail "ccxt 4.5.90 is still not importable from $VENV after installing it"
fi

(cd "$ROOT" && cargo build --quiet --bin cdc-engine) || fail "cargo build failed"
# The target dir may be shared with other trees: run a private copy of the binary just built.
cp "$TARGET/debug/cdc-engine" "$WORK/cdc-engine"

"$WORK/cdc-engine" sim --listen 127.0.0.1:0 --api-key "$KEY" --api-secret "$SECRET" \
    --balance USD=100000,BTC=2 >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!

URL=""
for _ in $(seq 1 100); do   # up to 10 s for the first line
    if line="$(head -n 1 "$WORK/sim.out" 2>/dev/null)" && [[ "$line" == "listening on http://"* ]]; then
        URL="${line#listening on }"
        break
    fi
    kill -0 "$SIM_PID" 2>/dev/null || fail "the sim exited: $(tail -n 5 "$WORK/sim.err")"
    sleep 0.1
done
[[ -n "$URL" ]] || fail "the sim printed no 'listening on' line within 10 s"

set +e
timeout 300 "$PY" "$ROOT/tests/external/ccxt_smoke.py" "$URL" "$KEY" "$SECRET"
rc=$?
set -e
if [[ $rc -eq 124 ]]; then
    echo "run_ccxt: the smoke script ran past 300 s" >&2
    echo "0 passed, 1 failed"
fi
if [[ $rc -ne 0 ]]; then
    # What the sim saw, so a failure in CI can be read without rerunning it: its request
    # counters (refusals with 42901 show here) and the end of its log.
    echo "run_ccxt: the sim's counters:" >&2
    "$PY" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
        "$URL/sim/control/stats" >&2 || true
    echo "run_ccxt: the end of the sim's log:" >&2
    tail -n 40 "$WORK/sim.err" >&2 || true
fi
exit $rc
