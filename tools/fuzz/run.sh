#!/usr/bin/env bash
# Fuzz Parley against Twilio's OpenAPI description (the operations the router serves, tools/fuzz/parley-openapi.json)
# with schemathesis: a fresh server on a temporary database, seeded with one resource of each kind (seed.py), then
# generated requests, valid and invalid. Fails when an answer is a 5xx or its JSON does not match the description.
#
#   tools/fuzz/run.sh [max-examples-per-operation=100] [extra schemathesis options...]
#
# FUZZ_CHECKS: the schemathesis checks (default not_a_server_error,response_schema_conformance); FUZZ_SPEC: another cut.
# Needs .build/debug/parley (or PARLEY_BINARY) and python3; installs schemathesis into .build/fuzz-venv once.
# The request count is read from the server's own parley_http_requests_total.
set -euo pipefail
cd "$(dirname "$0")/../.."
examples=${1:-100}
shift || true
binary=${PARLEY_BINARY:-.build/debug/parley}
log=${FUZZ_LOG:-.build/fuzz.log}   # schemathesis' full output
venv=${FUZZ_VENV:-.build/fuzz-venv}
checks=${FUZZ_CHECKS:-not_a_server_error,response_schema_conformance}
spec=${FUZZ_SPEC:-tools/fuzz/parley-openapi.json}   # another cut, e.g. to see the verdict fail
if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r tools/fuzz/requirements.txt
fi

sid=AC0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f
token=fuzz-auth-token
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Failed-authentication lockout off: schemathesis sends bad credentials on purpose, and the lockout would then answer
# every later request 429 and hide the rest of the API from the fuzzer.
PARLEY_ACCOUNT_SID=$sid PARLEY_AUTH_TOKEN=$token "$binary" serve --db "$work/parley.db" --port "$port" --auth-failures-per-minute 0 \
    >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
    sleep 0.1
done

# Real resources for path parameters, else nearly every answer with a body worth checking is a 404.
PARLEY_BINARY=$binary FUZZ_DB="$work/parley.db" \
    python3 tools/fuzz/seed.py "http://127.0.0.1:$port" "$sid" "$token" "$spec" "$work/schemathesis.toml"

status=0
"$venv/bin/st" --config-file "$work/schemathesis.toml" run "$spec" --url "http://127.0.0.1:$port" \
    --auth "$sid:$token" --checks "$checks" --max-examples "$examples" --workers 2 --suppress-health-check all \
    --generation-database none --no-color --report json --report-json-path "$work/report.json" "$@" >"$log" 2>&1 || status=$?
# awk, not head: head would close the pipe early and, with pipefail, a long ERRORS section would fail the run.
sed -n '/^=* ERRORS =*$/,/^=* SUMMARY/p' "$log" | cut -c1-300 | awk 'NR <= 40'
tail -n 25 "$log"

# The verdict. The server must still run and none of its answers may be a 5xx (its own counters say so); the checks'
# failures in schemathesis' report count too. schemathesis' errors (its own crashes, such as hypothesis' FlakyFailure
# or KeyError in the examples phase) and its exit status, which includes them, are reported, not judged.
if ! metrics=$(curl -sf "http://127.0.0.1:$port/metrics"); then
    echo "fuzz: the server is gone"; tail -n 40 "$work/server.log"; exit 1
fi
requests=$(echo "$metrics" | awk '/^parley_http_requests_total\{/ { n += $NF } END { print n + 0 }')
errors=$(echo "$metrics" | awk '/^parley_http_requests_total\{/ && /status="5/ { n += $NF } END { print n + 0 }')
if [ ! -s "$work/report.json" ]; then
    echo "fuzz: schemathesis wrote no report (exit status $status; see $log)"; exit 1
fi
failures=$(python3 - "$work/report.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
for failure in report["failures"]:
    print(f"fuzz failure: {failure['title']} ({failure['count']}): {', '.join(failure['operations'][:10])}", file=sys.stderr)
for error in report["errors"]:
    print(f"fuzz: schemathesis error, not judged: {error['title']} ({error['count']})", file=sys.stderr)
print(sum(failure["count"] for failure in report["failures"]))
EOF
)
echo "fuzz: $requests requests, $errors answered 5xx, $failures check failures ($checks; schemathesis exit status $status; full output in $log)"
if [ "$errors" != 0 ]; then
    echo "$metrics" | grep '^parley_http_requests_total{.*status="5' || true
    grep -i "error" "$work/server.log" | head -20 || true
    exit 1
fi
[ "$failures" = 0 ] || exit 1
