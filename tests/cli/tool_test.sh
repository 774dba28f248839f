#!/usr/bin/env bash
# `macrohard tool` end to end: the real binary runs tools through the same registry and
# bubblewrap sandbox an agent uses.
# Usage: tool_test.sh MACROHARD
set -euo pipefail
macrohard=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$work/repo"

"$macrohard" tool list >"$work/list.json" || fail "tool list exited $?"
for t in read_file write_file edit_file list_files find_files search run_command submit ask_for_help; do
  grep -q "\"$t\"" "$work/list.json" || fail "tool list lacks $t"
done

# One call per invocation.
"$macrohard" tool call write_file '{"path":"notes/a.txt","content":"alpha\nbeta\n"}' \
  --workdir "$work/repo" >"$work/w.json" || fail "write_file call exited $?"
grep -q '"is_error":false' "$work/w.json" || fail "write_file failed: $(cat "$work/w.json")"
[ "$(cat "$work/repo/notes/a.txt")" = $'alpha\nbeta' ] || fail "file content wrong"

# An escape is an error result, not a crash, and writes nothing.
"$macrohard" tool call write_file '{"path":"../escape.txt","content":"x"}' --workdir "$work/repo" \
  >"$work/e.json" || fail "escape call exited $?"
grep -q '"is_error":true' "$work/e.json" || fail "escape was not refused: $(cat "$work/e.json")"
[ ! -e "$work/escape.txt" ] || fail "a file was written outside the worktree"

# Many calls on stdin, one session: a malformed line gives an error line and the rest run.
printf '%s\n' \
  '{"tool":"edit_file","args":{"path":"notes/a.txt","old_text":"beta","new_text":"gamma"}}' \
  'this is not json' \
  '{"tool":"run_command","args":{"command":"cat notes/a.txt && touch /usr/x 2>/dev/null || echo ro-ok"}}' \
  '{"tool":"read_file","args":{"path":"notes/a.txt"}}' \
  '{"tool":"nosuch","args":{}}' |
  "$macrohard" tool call --workdir "$work/repo" >"$work/batch.jsonl" || fail "batch exited $?"
[ "$(wc -l <"$work/batch.jsonl")" -eq 5 ] || fail "expected 5 result lines: $(cat "$work/batch.jsonl")"
sed -n 1p "$work/batch.jsonl" | grep -q '"is_error":false' || fail "edit failed"
sed -n 2p "$work/batch.jsonl" | grep -q '"is_error":true' || fail "malformed line not an error"
sed -n 3p "$work/batch.jsonl" | grep -q 'gamma' || fail "run_command did not see the edit: $(sed -n 3p "$work/batch.jsonl")"
sed -n 3p "$work/batch.jsonl" | grep -q 'ro-ok' || fail "/usr was writable in the sandbox"
sed -n 4p "$work/batch.jsonl" | grep -q 'gamma' || fail "read_file did not see the edit"
sed -n 5p "$work/batch.jsonl" | grep -q 'read_file' || fail "unknown tool error does not list the tools"
# Session resources persist across lines: a shell's cwd and variables, a terminal running
# bc, a desktop on its own Xvfb.
printf '%s\n' \
  '{"tool":"bash","args":{"command":"mkdir -p sub && cd sub && X=42 && pwd"}}' \
  '{"tool":"bash","args":{"command":"echo \"x=$X\"; pwd"}}' \
  '{"tool":"terminal","args":{"action":"start","command":"bc -q"}}' \
  '{"tool":"terminal","args":{"action":"send","text":"6*7","keys":["Enter"]}}' \
  '{"tool":"terminal","args":{"action":"wait","text":"42","timeout":10}}' \
  '{"tool":"computer","args":{"action":"screenshot"}}' |
  "$macrohard" tool call --workdir "$work/repo" >"$work/session.jsonl" || fail "session batch exited $?"
sed -n 2p "$work/session.jsonl" | grep -q 'x=42' || fail "bash lost its variables: $(sed -n 2p "$work/session.jsonl")"
sed -n 2p "$work/session.jsonl" | grep -q '/sub' || fail "bash lost its cwd"
sed -n 5p "$work/session.jsonl" | grep -q '42' || fail "bc result not on the terminal screen"
sed -n 6p "$work/session.jsonl" | grep -q '"media_type":"image/png"' ||
  fail "computer screenshot returned no PNG: $(sed -n 6p "$work/session.jsonl" | cut -c1-300)"
echo "tool end-to-end: all checks passed"
