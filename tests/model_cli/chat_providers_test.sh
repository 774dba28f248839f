#!/usr/bin/env bash
# `macrohard chat` end to end against mh-fake-llm playing real providers' behaviour:
# a cut reply, a reply whose whole budget went to reasoning, reasoning tokens in the usage
# line, and a billing error that fails at once.
# Usage: chat_providers_test.sh MACROHARD MH_FAKE_LLM
set -euo pipefail
macrohard=$1 fake=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_server NAME SCENARIO_JSON: starts mh-fake-llm, sets $address.
start_server() {
  printf '%s\n' "$2" >"$work/$1.json"
  "$fake" --scenario "$work/$1.json" --port 0 --log "$work/$1.jsonl" >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  for _ in $(seq 1 200); do
    address=$(sed -n 's/^listening on //p' "$work/$1.out")
    [ -n "$address" ] && return 0
    sleep 0.05
  done
  fail "mh-fake-llm did not start: $(cat "$work/$1.err")"
}

# 1. A reply cut by the output limit is printed, then flagged; exit 1.
start_server cut '{"name": "cut", "turns": [{"text": "The three steps are: first,",
  "stop_reason": "length", "usage": {"input_tokens": 20, "output_tokens": 16}}]}'
if "$macrohard" chat --no-tools --max-tokens 16 --model "http://$address/v1#m" "steps?" \
  >"$work/out1.txt" 2>"$work/err1.txt"; then fail "a cut reply exited 0"; fi
grep -q "The three steps are: first," "$work/out1.txt" || fail "cut text not printed: $(cat "$work/out1.txt")"
grep -q "cut at the output limit (16 tokens) and is incomplete" "$work/err1.txt" ||
  fail "cut not reported: $(cat "$work/err1.txt")"

# 2. Nothing but reasoning within the limit: said so, with the reasoning count; exit 1.
start_server think '{"name": "think", "turns": [{"text": "", "reasoning": "Hmm, let me think.",
  "stop_reason": "length",
  "usage": {"input_tokens": 20, "output_tokens": 0, "reasoning_tokens": 64}}]}'
if "$macrohard" chat --no-tools --max-tokens 64 --model "http://$address/v1#m" "why?" \
  >"$work/out2.txt" 2>"$work/err2.txt"; then fail "a reasoning-only reply exited 0"; fi
grep -q "no answer: the whole output limit (64 tokens) went to reasoning (64 reasoning tokens)" \
  "$work/err2.txt" || fail "reasoning-only reply not reported: $(cat "$work/err2.txt")"
! grep -q "let me think" "$work/out2.txt" || fail "reasoning printed as the answer"

# 3. Reasoning tokens are shown apart in the usage line.
start_server usage '{"name": "usage", "turns": [{"text": "42.", "reasoning": "Compute.",
  "usage": {"input_tokens": 30, "output_tokens": 2, "reasoning_tokens": 300,
            "cache_read_tokens": 100}}]}'
"$macrohard" chat --no-tools --model "http://$address/v1#m" "answer?" >"$work/out3.txt" \
  2>"$work/err3.txt" || fail "chat failed: $(cat "$work/err3.txt")"
grep -q "^42.$" "$work/out3.txt" || fail "answer missing or mixed with reasoning: $(cat "$work/out3.txt")"
grep -q "tokens: 30 in (+100 cached), 2 out (+300 reasoning)" "$work/err3.txt" ||
  fail "usage line: $(cat "$work/err3.txt")"

# 4. A billing error fails at once, in the provider's words, after one request.
start_server quota '{"name": "quota", "turns": [{"text": "x", "fault": {"kind": "http_status",
  "status": 429, "error_type": "insufficient_quota",
  "message": "You exceeded your current quota, please check your plan and billing details."}}]}'
start=$(date +%s)
if "$macrohard" chat --no-tools --model "http://$address/v1#m" hi >"$work/out4.txt" 2>"$work/err4.txt"; then
  fail "quota error exited 0"
fi
grep -q "You exceeded your current quota" "$work/err4.txt" || fail "provider's words missing: $(cat "$work/err4.txt")"
grep -q "1 attempt" "$work/err4.txt" || fail "attempts not said: $(cat "$work/err4.txt")"
[ "$(wc -l <"$work/quota.jsonl")" -eq 1 ] || fail "billing error was retried: $(wc -l <"$work/quota.jsonl") requests"
[ $(( $(date +%s) - start )) -lt 5 ] || fail "billing error took too long"
echo "PASS"
