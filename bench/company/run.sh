#!/usr/bin/env bash
# The company benchmark: a company of 100 engineers and 100 reviewers builds 100
# independent tasks to a tagged release against the scripted model (mh-fake-llm), every
# model turn delayed by 2 s as a real model would be.
#
#   bench/company/run.sh [--tasks N] [--delay-ms MS] [--merge-train N]   (BUILD=build)
#
# --merge-train N: [policy] merge_train (1, the default, merges one change at a time).
#
# 1. bench/company/make_scenario.py writes the scenario: the product lead files N tasks
#    in one reply, the architect records quick real commands, engineer k writes
#    mods/mod_k.py and submits, reviewers approve, QA accepts, the release manager
#    writes CHANGELOG.md.
# 2. `macrohard new --no-run`, then company.toml gets [roles.engineer] count = N,
#    [roles.reviewer] count = N and [concurrency] max_sessions = 256.
# 3. `macrohard run` under /usr/bin/time -v: wall time, the orchestrator's user+sys CPU
#    (with the git and sandbox processes it runs) and max RSS; the ideal is the model
#    delays on the critical path (10 turns x 2 s);
#    the merge queue's time comes from the store's `merged` events.
# 4. Checks the outcome: tag v0.1.0, N task commits on main, every work item done.
#    Exits non-zero when any check fails.
# Leaves everything in $BUILD/bench-company (company, server log, time output).
set -euo pipefail
cd "$(dirname "$0")/../.."
tasks=100
delay_ms=2000
merge_train=1
while [ $# -gt 0 ]; do
  case $1 in
    --tasks) tasks=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --merge-train) merge_train=$2; shift 2 ;;
    *) echo "usage: $0 [--tasks N] [--delay-ms MS] [--merge-train N]" >&2; exit 2 ;;
  esac
done
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
macrohard=$BUILD/src/cli/macrohard
fake=$BUILD/src/testing/mh-fake-llm
out=$BUILD/bench-company
company=$out/company
for tool in "$macrohard" "$fake"; do
  [ -x "$tool" ] || { echo "company bench: $tool is missing; build it first" >&2; exit 1; }
done
for cmd in /usr/bin/time sqlite3 python3 git; do
  command -v "$cmd" >/dev/null || { echo "company bench: $cmd is missing (scripts/install-deps)" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out"
load=$(cut -d' ' -f1-3 /proc/loadavg)
critical_turns=$(python3 bench/company/make_scenario.py "$out/scenario.json" \
  --tasks "$tasks" --delay-ms "$delay_ms")
ideal_ms=$((critical_turns * delay_ms))

trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
"$fake" --scenario "$out/scenario.json" --port 0 --log "$out/requests.jsonl" >"$out/server.out" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q '^listening on ' "$out/server.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "company bench: mh-fake-llm did not start" >&2; exit 1; }
  sleep 0.05
done
address=$(sed -n 's/^listening on //p' "$out/server.out" | head -n 1)
[ -n "$address" ] || { echo "company bench: mh-fake-llm did not say where it listens" >&2; exit 1; }

cat >"$out/brief.md" <<BRIEF
A Python package of $tasks small modules, each returning its own number; built by
$tasks engineers at once to measure the company, not the product.
BRIEF
"$macrohard" new "$company" --brief "$out/brief.md" --model "http://$address/v1#fake-model" \
  --no-run >"$out/new.out" 2>&1 || { cat "$out/new.out" >&2; exit 1; }
cat >>"$company/company.toml" <<TOML

# The company benchmark: every engineer and reviewer at once.
[roles.engineer]
count = $tasks

[roles.reviewer]
count = $tasks

[concurrency]
max_sessions = 256

[policy]
merge_train = $merge_train
TOML

echo "company bench: $tasks tasks, ${delay_ms} ms per model turn, load average $load"
echo "\$ macrohard run $company"
# One `macrohard run`, timed; runs.txt records its exit status for report.py.
cat >"$out/runs.sh" <<'RUNS'
"$1" run "$2" >"$3/run-1.out" 2>&1
status=$?
echo "run 1: exit $status" >>"$3/runs.txt"
exit $status
RUNS
set +e
/usr/bin/time -v -o "$out/time.txt" bash "$out/runs.sh" "$macrohard" "$company" "$out"
run_status=$?
set -e
cat "$out/runs.txt"
tail -n 5 "$(ls -t "$out"/run-*.out | head -n 1)"
python3 bench/company/report.py --company "$company" --time "$out/time.txt" \
  --requests "$out/requests.jsonl" --tasks "$tasks" --ideal-ms "$ideal_ms" \
  --run-status "$run_status" --load "$load" --runs "$out/runs.txt"
