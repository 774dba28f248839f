#!/usr/bin/env bash
# `macrohard chat` end to end: the real binary, the real HTTP transport, mh-fake-llm on a
# free loopback port speaking Chat Completions and Anthropic Messages.
# Usage: chat_test.sh MACROHARD MH_FAKE_LLM SCENARIO_DIR
set -euo pipefail
macrohard=$1 fake=$2 scenarios=$3
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# start_server NAME SCENARIO_FILE: starts mh-fake-llm, sets $address.
start_server() {
  "$fake" --scenario "$2" --port 0 --log "$work/$1.jsonl" >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  for _ in $(seq 1 200); do
    address=$(sed -n 's/^listening on //p' "$work/$1.out")
    [ -n "$address" ] && return 0
    sleep 0.05
  done
  fail "mh-fake-llm did not start: $(cat "$work/$1.err")"
}

# 1. Chat Completions, streaming, with a tool call and usage.
start_server chat "$scenarios/chat-demo.json"
MH_API_KEY=sk-test-secret-0123456789 "$macrohard" chat --model "http://$address/v1#fake-model" \
  "What time is it in UTC?" >"$work/out.txt" 2>"$work/err.txt" || fail "chat exited $?: $(cat "$work/err.txt")"
grep -q "Let me look at the clock for you." "$work/out.txt" || fail "first reply missing: $(cat "$work/out.txt")"
grep -Eq '\[tool\] get_time\(.*UTC.*\) -> [0-9]{4}-[0-9]{2}-[0-9]{2}T' "$work/out.txt" ||
  fail "tool call line missing: $(cat "$work/out.txt")"
grep -q "Anything else I can help with?" "$work/out.txt" || fail "second reply missing"
grep -Eq '^tokens: [0-9,]+ in, [0-9,]+ out; cost: ' "$work/err.txt" || fail "usage line missing: $(cat "$work/err.txt")"
[ "$(wc -l <"$work/chat.jsonl")" -eq 2 ] || fail "expected 2 model requests, log has $(wc -l <"$work/chat.jsonl")"
grep -q '"stream":true' "$work/chat.jsonl" || fail "requests were not streamed"
! grep -q "sk-test-secret-0123456789" "$work/chat.jsonl" "$work/out.txt" "$work/err.txt" ||
  fail "the API key leaked into the log or the output"

# 2. The same script over Anthropic Messages, not streamed.
"$macrohard" chat --no-stream --model "anthropic+http://$address#fake-model" \
  "What time is it in UTC?" >"$work/out2.txt" 2>"$work/err2.txt" || fail "anthropic chat failed: $(cat "$work/err2.txt")"
grep -q "Anything else I can help with?" "$work/out2.txt" || fail "anthropic reply missing"
grep -q '"protocol":"anthropic"' "$work/chat.jsonl" || fail "no Anthropic request logged"

# 2b. The same tool-call round trip over OpenAI Responses, Gemini and Ollama's native API,
# streamed and whole.
for model in "responses+http://$address/v1#fake-model" "gemini+http://$address/v1beta#fake-model" \
  "ollama+http://$address#fake-model"; do
  for stream in "" --no-stream; do
    "$macrohard" chat $stream --model "$model" "What time is it in UTC?" >"$work/out3.txt" \
      2>"$work/err3.txt" || fail "$model $stream failed: $(cat "$work/err3.txt")"
    grep -q "Anything else I can help with?" "$work/out3.txt" ||
      fail "$model $stream: second reply missing: $(cat "$work/out3.txt")"
    grep -Eq '\[tool\] get_time\(.*UTC.*\) -> [0-9]{4}-' "$work/out3.txt" ||
      fail "$model $stream: tool call line missing: $(cat "$work/out3.txt")"
  done
done
for protocol in responses gemini ollama; do
  grep -q "\"protocol\":\"$protocol\"" "$work/chat.jsonl" || fail "no $protocol request logged"
done

# 3. Clear errors: unknown provider, missing key, unreachable endpoint, bad config.
if "$macrohard" chat --model nosuch/model hi 2>"$work/e1.txt"; then fail "unknown provider accepted"; fi
grep -q "anthropic" "$work/e1.txt" || fail "unknown provider does not list the valid ones: $(cat "$work/e1.txt")"
if env -u XAI_API_KEY "$macrohard" chat --model xai/grok-4 hi 2>"$work/e2.txt"; then fail "missing key accepted"; fi
grep -q "XAI_API_KEY" "$work/e2.txt" || fail "missing key does not name the variable: $(cat "$work/e2.txt")"
printf '[prices."x/y"]\ninput = "cheap"\n' >"$work/bad.toml"
if "$macrohard" chat --config "$work/bad.toml" --model "http://$address/v1#m" hi 2>"$work/e3.txt"; then
  fail "bad config accepted"
fi
grep -q "bad.toml:2" "$work/e3.txt" || fail "bad config error does not name the line: $(cat "$work/e3.txt")"

# 4. Model limits: --max-output-tokens caps the reply's limit, --context-window fits it to
# what the window leaves; [llm.limits] in the config does the same; bad limits are refused.
cat >"$work/limits.json" <<'JSON'
{"name": "limits", "turns": [{"text": "A short answer."}]}
JSON
start_server chat "$work/limits.json"
"$macrohard" chat --no-tools --max-output-tokens 700 --model "http://$address/v1#fake-model" \
  "hi" >/dev/null 2>"$work/e4.txt" || fail "chat with limits failed: $(cat "$work/e4.txt")"
tail -1 "$work/chat.jsonl" | grep -q '"max_tokens":700' || fail "--max-output-tokens not sent: $(tail -1 "$work/chat.jsonl")"
printf '[llm.limits."http://%s/v1#fake-model"]\ncontext_window = 1200\n' "$address" >"$work/limits.toml"
"$macrohard" chat --no-tools --config "$work/limits.toml" --model "http://$address/v1#fake-model" \
  "hi" >/dev/null 2>"$work/e5.txt" || fail "chat with [llm.limits] failed: $(cat "$work/e5.txt")"
sent=$(tail -1 "$work/chat.jsonl" | sed -n 's/.*"max_tokens":\([0-9]*\).*/\1/p')
[ -n "$sent" ] && [ "$sent" -lt 1200 ] && [ "$sent" -ge 256 ] ||
  fail "[llm.limits] context_window did not fit max_tokens: $(tail -1 "$work/chat.jsonl")"
if "$macrohard" chat --max-output-tokens 0 --model "http://$address/v1#m" hi 2>"$work/e6.txt"; then
  fail "a zero output limit was accepted"
fi
printf '[llm.limits."m"]\ncontext_window = 100\noutput_limit = 200\n' >"$work/badlimits.toml"
if "$macrohard" chat --config "$work/badlimits.toml" --model "http://$address/v1#m" hi 2>"$work/e7.txt"; then
  fail "an output limit above the window was accepted"
fi
grep -q "badlimits.toml:1.*larger than its context_window" "$work/e7.txt" ||
  fail "bad limits error does not name the line: $(cat "$work/e7.txt")"

# 5. A server that answers 429 then succeeds: the retry is invisible to the user.
cat >"$work/retry.json" <<'JSON'
{"name": "retry", "turns": [
  {"text": "Back after a pause.", "fault": {"kind": "http_status", "status": 429, "retry_after": "0", "times": 1}}
]}
JSON
start_server retry "$work/retry.json"
"$macrohard" chat --no-tools --model "http://$address/v1#fake-model" hi >"$work/out4.txt" 2>"$work/err4.txt" ||
  fail "chat did not recover from a 429: $(cat "$work/err4.txt")"
grep -q "Back after a pause." "$work/out4.txt" || fail "reply after retry missing"
[ "$(wc -l <"$work/retry.jsonl")" -eq 2 ] || fail "expected 1 failed + 1 good request"
echo "chat end-to-end: all checks passed"
