#!/usr/bin/env bash
# End to end: the mh-fake-llm binary refuses a bad scenario, announces its port, answers
# a real HTTP client, holds many concurrent delayed streams, and stops on SIGTERM.
# Usage: fake_llm_e2e.sh MH_FAKE_LLM FAKE_LLM_LOAD SOURCE_DIR
set -euo pipefail
server_bin=$1
load_bin=$2
scenarios=$3/../../examples/scenarios
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. A bad scenario is refused at start, naming what is wrong.
echo '{"turns": [{"text": "a"}, {"fault": {"kind": "explode"}}]}' > "$tmp/bad.json"
if "$server_bin" --scenario "$tmp/bad.json" 2> "$tmp/bad.err"; then fail "bad scenario accepted"; fi
grep -q "turn 2 (turns\[1\]): fault.kind 'explode' is not one of" "$tmp/bad.err" ||
  fail "unclear error: $(cat "$tmp/bad.err")"

# 2. It announces its port on one line, then serves.
coproc SERVER { exec "$server_bin" --scenario "$scenarios/stream-delay-1s.json" --port 0 \
  --log "$tmp/requests.jsonl"; }
server_pid=$SERVER_PID
read -r line <&"${SERVER[0]}"
[[ $line =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] || fail "unexpected first line: $line"
port=${BASH_REMATCH[1]}
[[ $(curl -s "http://127.0.0.1:$port/health") == ok ]] || fail "no /health"

# 3. Many concurrent streams, each delayed one second, all complete.
"$load_bin" --port "$port" --connections 1000 --timeout 60 > "$tmp/load.json" ||
  fail "load: $(cat "$tmp/load.json")"
[[ $(grep -c '"protocol":"chat"' "$tmp/requests.jsonl") == 1000 ]] || fail "log count"

# 4. SIGTERM stops it cleanly.
kill -TERM "$server_pid"
wait "$server_pid" || fail "exit status $? after SIGTERM"
echo "PASS: $(cat "$tmp/load.json")"
