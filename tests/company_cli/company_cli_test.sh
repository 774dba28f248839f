#!/usr/bin/env bash
# `macrohard issue|status|log` end to end on a company made without running it.
# Usage: company_cli_test.sh MACROHARD
set -euo pipefail
macrohard=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
co="$work/acme"

"$macrohard" new "$co" --brief-text "A command-line word counter." --model "http://127.0.0.1:9/v1#fake" --no-run \
  >"$work/new.out" || fail "new exited $?"

# The opening plan, one line per item.
"$macrohard" issue list "$co" >"$work/list.out" || fail "issue list exited $?"
[ "$(wc -l <"$work/list.out")" -eq 4 ] || fail "expected 4 items: $(cat "$work/list.out")"
grep -q '^#1 spec \[open\] ' "$work/list.out" || fail "no #1 spec line: $(cat "$work/list.out")"
grep -q '^#4 release \[open\] ' "$work/list.out" || fail "no #4 release line"

# A person files an issue and comments on it.
"$macrohard" issue file "$co" "Counts are off by one" --body "wc says 3, we say 4" \
  >"$work/file.out" || fail "issue file exited $?"
[ "$(cat "$work/file.out")" = "filed #5" ] || fail "file said: $(cat "$work/file.out")"
"$macrohard" issue comment "$co" '#5' "Seen with an empty last line too." >"$work/c.out" ||
  fail "issue comment exited $?"
grep -q 'commented on #5' "$work/c.out" || fail "comment said: $(cat "$work/c.out")"
"$macrohard" issue list "$co" --state open | grep -q '^#5 issue \[open\] Counts are off by one$' ||
  fail "#5 not listed as an open issue"
[ "$("$macrohard" issue list "$co" --state done)" = "no work items in done" ] ||
  fail "--state done should list nothing"

# show: kind, state, dependencies, body, the comment with its author.
"$macrohard" issue show "$co" 5 >"$work/show5.out" || fail "issue show exited $?"
grep -q '^kind: *issue$' "$work/show5.out" || fail "show lacks the kind: $(cat "$work/show5.out")"
grep -q '^state: *open$' "$work/show5.out" || fail "show lacks the state"
grep -q 'wc says 3, we say 4' "$work/show5.out" || fail "show lacks the body"
grep -q '^  person, ' "$work/show5.out" || fail "show lacks the comment's author"
grep -q 'Seen with an empty last line too.' "$work/show5.out" || fail "show lacks the comment"
"$macrohard" issue show "$co" '#2' >"$work/show2.out" || fail "issue show #2 exited $?"
grep -q '^depends on: *#1 \[open\]$' "$work/show2.out" ||
  fail "#2 should depend on #1: $(cat "$work/show2.out")"

# Unknown items are refused clearly.
if "$macrohard" issue show "$co" 99 >"$work/out" 2>"$work/err"; then fail "show 99 succeeded"; fi
grep -q 'no work item #99' "$work/err" || fail "show 99 said: $(cat "$work/err")"
if "$macrohard" issue comment "$co" 99 "x" >"$work/out" 2>"$work/err"; then
  fail "comment on 99 succeeded"
fi
grep -q 'no work item #99' "$work/err" || fail "comment 99 said: $(cat "$work/err")"

# status: 5 open items, no agents, no spend, no tag, no run.
"$macrohard" status "$co" >"$work/status.out" || fail "status exited $?"
grep -q '^work items: 5 (5 open)$' "$work/status.out" || fail "status: $(cat "$work/status.out")"
grep -q '^  open (5)$' "$work/status.out" || fail "status does not list the open items"
grep -q '^    #5 issue  Counts are off by one$' "$work/status.out" || fail "status lacks #5"
grep -q '^agents: 0 active$' "$work/status.out" || fail "status shows agents"
grep -q '^spend: 0 tokens, \$0.0000$' "$work/status.out" || fail "status shows spend"
grep -q '^latest tag: none$' "$work/status.out" || fail "status shows a tag"
grep -q '^run: none' "$work/status.out" || fail "status shows a run"

# --watch without a terminal prints one view per interval until interrupted.
rc=0
timeout --preserve-status -s INT 3 "$macrohard" status "$co" --watch --interval 0.2 >"$work/watch.out" \
  2>/dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "status --watch exited $rc after Ctrl-C"
[ "$(grep -c '^work items: 5' "$work/watch.out")" -ge 2 ] || fail "watch drew fewer than 2 views"
if grep -q $'\x1b' "$work/watch.out"; then fail "watch cleared a screen that is not a terminal"; fi

# log: the company's events, one per line; no sessions yet.
"$macrohard" log "$co" --company >"$work/log.out" || fail "log --company exited $?"
[ "$(grep -c ' item_filed ' "$work/log.out")" -eq 5 ] || fail "log: $(cat "$work/log.out")"
grep -q 'item_filed  *#5 issue "Counts are off by one" by person$' "$work/log.out" ||
  fail "log lacks #5's filing"
grep -q 'comment  *#5 by person$' "$work/log.out" || fail "log lacks the comment"
"$macrohard" log "$co" >"$work/sessions.out" || fail "log exited $?"
grep -q 'no sessions yet' "$work/sessions.out" || fail "log: $(cat "$work/sessions.out")"
if "$macrohard" log "$co" --session nosuch >/dev/null 2>"$work/err"; then
  fail "log --session nosuch succeeded"
fi
grep -q 'no session nosuch' "$work/err" || fail "log --session said: $(cat "$work/err")"

# What a running company records, written straight into its store as serve would (the
# payloads docs/agent.md describes): a support agent mid-way through #5, a finished QA
# session on #3, a tag, and the run's lease.
now=$(($(date +%s) * 1000))
results=$(seq 1 30 | sed 's/^/line /' | paste -sd'#' | sed 's/#/\\n/g')
sqlite3 "$co/.macrohard/store.db" <<SQL || fail "could not write the fixture"
INSERT INTO sessions VALUES ('5-support','acme','5','support','running','{"item":"5"}',$now,$now);
INSERT INTO sessions VALUES ('3-qa','acme','3','qa','submitted','{"item":"3"}',$now,$now);
INSERT INTO events (company_id, session_id, kind, payload, time_ms) VALUES
 ('acme','5-support','session_started','{"role":"support","task":"Triage #5: counts are off","model":"fake"}',$now),
 ('acme','5-support','model_request','{"step":1}',$now),
 ('acme','5-support','model_reply','{"step":1,"message":{"role":"assistant","parts":[{"text":"Let me count the lines."}],"tool_calls":[{"id":"c1","name":"run_command","raw_arguments":"{\"command\":\"wc -l README.md\"}"}]},"usage":{"input_tokens":1000,"output_tokens":200,"cache_read_tokens":0,"cache_write_tokens":0},"cost_usd":0.012,"priced":true}',$now),
 ('acme','5-support','tool_result','{"step":1,"call_id":"c1","name":"run_command","message":{"role":"tool","parts":[{"text":"$results"}],"tool_call_id":"c1"},"is_error":false}',$now),
 ('acme','5-support','model_request','{"step":2}',$now),
 ('acme','3-qa','session_started','{"role":"qa","task":"Accept the release","model":"fake"}',$now),
 ('acme','3-qa','model_reply','{"step":1,"message":{"role":"assistant","parts":[{"text":"All criteria hold."}]},"usage":{"input_tokens":400,"output_tokens":100},"cost_usd":0.003,"priced":true}',$now),
 ('acme','3-qa','session_ended','{"outcome":"submitted","steps":1,"tokens":500,"cost_usd":0.003,"summary":"Accepted: all criteria hold."}',$now),
 ('acme',NULL,'tagged','{"item":"4","tag":"v0.1.0","commit":"0123456789abcdef"}',$now);
INSERT INTO leases VALUES ('company:acme','serve-1234',$((now + 600000)));
SQL

"$macrohard" status "$co" >"$work/status2.out" || fail "status exited $?"
grep -q '^run: in progress (serve-1234)$' "$work/status2.out" || fail "status: $(cat "$work/status2.out")"
grep -q '^agents: 1 active$' "$work/status2.out" || fail "status does not show 1 active agent"
grep -Eq '^  support +#5 +step 1 +run_command \{"command":"wc -l README.md"\}; waiting for the model' \
  "$work/status2.out" || fail "status does not say what the support agent does"
grep -q '^spend: 1,700 tokens, \$0.0150$' "$work/status2.out" || fail "status total spend wrong"
grep -Eq '^  support +1,200 tokens  \$0.0120$' "$work/status2.out" || fail "support spend wrong"
grep -Eq '^  qa +500 tokens  \$0.0030$' "$work/status2.out" || fail "qa spend wrong"
grep -q '^latest tag: v0.1.0 at 0123456789$' "$work/status2.out" || fail "status lacks the tag"

"$macrohard" log "$co" >"$work/sessions2.out" || fail "log exited $?"
grep -Eq '^5-support +support +#5 +running +1$' "$work/sessions2.out" ||
  fail "log lacks 5-support: $(cat "$work/sessions2.out")"
grep -Eq '^3-qa +qa +#3 +submitted +1$' "$work/sessions2.out" || fail "log lacks 3-qa"
"$macrohard" log "$co" --session 5-support >"$work/t.out" || fail "log --session exited $?"
grep -q 'Triage #5: counts are off' "$work/t.out" || fail "transcript lacks the task: $(cat "$work/t.out")"
grep -q '^  Let me count the lines.$' "$work/t.out" || fail "transcript lacks the reply"
grep -q '^  > run_command {"command":"wc -l README.md"}$' "$work/t.out" || fail "transcript lacks the call"
grep -q '^    line 20$' "$work/t.out" || fail "transcript lacks the result"
if grep -q '^    line 21$' "$work/t.out"; then fail "the result was not cut"; fi
grep -q '(10 more lines)' "$work/t.out" || fail "the cut result does not say what was left out"
"$macrohard" log "$co" --session 3-qa | grep -q 'ended: submitted' || fail "transcript lacks the end"
"$macrohard" log "$co" --company | grep -q 'tagged  *#4 v0.1.0 at 0123456789$' ||
  fail "log --company lacks the tag"
"$macrohard" issue show "$co" 5 | grep -Eq '^  5-support +support +running$' ||
  fail "issue show lacks the item's session"

# A folder with no company is refused with exit 2 by every command.
mkdir -p "$work/empty"
for cmd in "status" "log" "issue list" "issue show" "issue file" "issue comment"; do
  args=()
  case $cmd in
    "issue show") args=(1) ;;
    "issue file") args=("a title") ;;
    "issue comment") args=(1 "text") ;;
  esac
  rc=0
  # shellcheck disable=SC2086
  "$macrohard" $cmd "$work/empty" "${args[@]}" >/dev/null 2>"$work/err" || rc=$?
  [ "$rc" -eq 2 ] || fail "$cmd on an empty folder exited $rc"
  grep -q 'no company' "$work/err" || fail "$cmd on an empty folder said: $(cat "$work/err")"
done
[ ! -e "$work/empty/.macrohard" ] || fail "a command made state in a folder with no company"
echo "company_cli: all checks passed"
