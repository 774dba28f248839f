#!/usr/bin/env bash
# End-to-end: a published coding-agent CLI, installed fresh from npm, completes a scripted
# three-turn task against mh-fake-llm: write proof.txt with a shell command, read it back,
# finish with a final text. Once per scenario, one install for all.
#
#   run.sh [--npm-cache DIR] pi|codex|claude MH_FAKE_LLM SCENARIO...
#
# The CLI is installed into a temporary folder (--npm-cache keeps npm's download cache
# between runs). It gets its own HOME and TMPDIR, telemetry and update checks off, stdin
# from /dev/null and an explicit environment. Exit 0 when, for every scenario, the CLI exits
# 0, proof.txt holds "macrohard-ok", the CLI printed the final text and the server's request
# log shows the expected model calls (check_log.js); 1 otherwise; 77 (skip) when pi is asked
# for on a Node.js older than it needs. MH_KEEP_TMP=1 keeps the temporary folder.
# MH_PI_VERSION, MH_CODEX_VERSION, MH_CLAUDE_VERSION override the pinned versions.
set -euo pipefail

readonly kPiPkg="@mariozechner/pi-coding-agent@${MH_PI_VERSION:-0.73.1}"
readonly kCodexPkg="@openai/codex@${MH_CODEX_VERSION:-0.169.0}"
readonly kClaudePkg="@anthropic-ai/claude-code@${MH_CLAUDE_VERSION:-2.1.197}"
readonly kPrompt="Write macrohard-ok to proof.txt with a shell command, read it back, then finish."
readonly kFinalText="Task complete: proof.txt holds macrohard-ok."
readonly kApiKey="sk-fake-agent-clis-0123456789"

fail() {
  echo "FAIL [$cli]: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 [--npm-cache DIR] pi|codex|claude MH_FAKE_LLM SCENARIO..." >&2
  exit 2
}

cli=
npm_cache=
if [ "${1:-}" = --npm-cache ]; then
  [ $# -ge 2 ] || usage
  npm_cache=$2
  shift 2
fi
[ $# -ge 3 ] || usage
cli=$1
server_bin=$2
shift 2
scenarios=("$@")
case "$cli" in pi | codex | claude) ;; *) usage ;; esac
[ -x "$server_bin" ] || fail "no mh-fake-llm binary at $server_bin"
for f in "${scenarios[@]}"; do [ -f "$f" ] || fail "no scenario file at $f"; done
command -v node >/dev/null || fail "node is not installed (scripts/install-deps installs it)"
command -v npm >/dev/null || fail "npm is not installed (scripts/install-deps installs it)"
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mh-agent-cli-$cli.XXXXXX")
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
  exec 3<&- || true
}
cleanup() {
  stop_server
  if [ "${MH_KEEP_TMP:-0}" = 1 ]; then
    echo "kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
mkdir -p "$tmp/home" "$tmp/tmp" "$tmp/prefix"

# Starts mh-fake-llm with scenario $1 on port 0, logging into $run; sets $base_url from its
# first stdout line.
start_server() {
  exec 3< <(exec "$server_bin" --scenario "$1" --port 0 --log "$run/requests.jsonl" \
    2>"$run/server.err")
  server_pid=$!
  local line=
  read -r -t 20 -u 3 line || fail "mh-fake-llm printed no address: $(cat "$run/server.err")"
  [[ $line =~ ^listening\ on\ (127\.0\.0\.1:[0-9]+)$ ]] || fail "unexpected first line: $line"
  base_url="http://${BASH_REMATCH[1]}"
  cat <&3 >"$run/server.out" &
}

# Installs $1 into $tmp/prefix; a clear failure when the registry cannot be reached.
install_cli() {
  local pkg=$1 registry
  registry=$(npm config get registry 2>/dev/null || echo "the npm registry")
  local args=(install --prefix "$tmp/prefix" --no-audit --no-fund --loglevel=error "$pkg")
  if [ -n "$npm_cache" ]; then
    mkdir -p "$npm_cache"
    args+=(--cache "$npm_cache" --prefer-offline)
  fi
  if ! HOME="$tmp/home" npm_config_update_notifier=false timeout 600 npm "${args[@]}" \
    >"$tmp/npm.log" 2>&1; then
    cat "$tmp/npm.log" >&2
    fail "npm could not install $pkg from $registry (is the registry reachable?)"
  fi
}

# The environment every CLI runs with: nothing inherited but PATH.
base_env=()
set_base_env() {
  base_env=(PATH="$PATH" HOME="$tmp/home" TMPDIR="$tmp/tmp" LANG=C.UTF-8 TERM=dumb
    NO_COLOR=1 CI=1)
}

# pi needs Node.js >= 20.6 (Debian 12's own nodejs is 18): skip rather than fail there.
check_node_for_pi() {
  local major minor
  IFS=. read -r major minor _ <<<"$(node -p 'process.versions.node')"
  if ((major < 20 || (major == 20 && minor < 6))); then
    echo "SKIP: pi needs Node.js >= 20.6, this is $(node --version)" >&2
    exit 77
  fi
}

run_pi() {
  mkdir -p "$tmp/home/.pi/agent"
  cat >"$tmp/home/.pi/agent/models.json" <<EOF
{"providers": {"fake": {"baseUrl": "$base_url/v1", "api": "openai-completions",
  "apiKey": "FAKE_API_KEY", "models": [{"id": "fake-model"}]}}}
EOF
  (cd "$run/work" && env -i "${base_env[@]}" PI_OFFLINE=1 FAKE_API_KEY="$kApiKey" \
    timeout 120 "$tmp/prefix/node_modules/.bin/pi" -p --provider fake --model fake-model \
    --no-session "$kPrompt" </dev/null >"$run/cli.out" 2>"$run/cli.err")
}

run_codex() {
  mkdir -p "$tmp/home/.codex"
  cat >"$tmp/home/.codex/config.toml" <<EOF
model = "fake-model"
model_provider = "fake"
approval_policy = "never"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false

[model_providers.fake]
name = "fake"
base_url = "$base_url/v1"
env_key = "FAKE_API_KEY"
wire_api = "responses"

[features]
plugins = false

[analytics]
enabled = false

[feedback]
enabled = false
EOF
  (cd "$run/work" && env -i "${base_env[@]}" CODEX_HOME="$tmp/home/.codex" \
    FAKE_API_KEY="$kApiKey" timeout 120 "$tmp/prefix/node_modules/.bin/codex" exec \
    --skip-git-repo-check --ephemeral -m fake-model "$kPrompt" </dev/null \
    >"$run/cli.out" 2>"$run/cli.err")
}

run_claude() {
  local models=()
  for v in ANTHROPIC_MODEL ANTHROPIC_SMALL_FAST_MODEL ANTHROPIC_DEFAULT_HAIKU_MODEL \
    ANTHROPIC_DEFAULT_SONNET_MODEL ANTHROPIC_DEFAULT_OPUS_MODEL; do
    models+=("$v=fake-model")
  done
  (cd "$run/work" && env -i "${base_env[@]}" "${models[@]}" ANTHROPIC_BASE_URL="$base_url" \
    ANTHROPIC_API_KEY="$kApiKey" CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
    DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1 \
    timeout 120 "$tmp/prefix/node_modules/.bin/claude" -p "$kPrompt" --allowedTools=Bash \
    </dev/null >"$run/cli.out" 2>"$run/cli.err")
}

show_cli_output() {
  echo "--- $cli stdout" >&2
  cat "$run/cli.out" >&2 || true
  echo "--- $cli stderr (last 40 lines)" >&2
  tail -n 40 "$run/cli.err" >&2 || true
  echo "--- mh-fake-llm stderr" >&2
  cat "$run/server.err" >&2 || true
}

# Runs the task under scenario $1 in a fresh work dir ($run) and checks the outcome.
run_scenario() {
  local scenario=$1 started elapsed_ms rc=0
  run="$tmp/run-$(basename "$scenario" .json)"
  mkdir -p "$run/work"
  start_server "$scenario"
  started=$(date +%s%N)
  "run_$cli" || rc=$?
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
  stop_server
  if [ "$rc" -ne 0 ]; then
    show_cli_output
    fail "$cli exited with $rc under $scenario"
  fi
  if [ "$(cat "$run/work/proof.txt" 2>/dev/null)" != macrohard-ok ]; then
    show_cli_output
    fail "proof.txt does not hold macrohard-ok under $scenario"
  fi
  if ! grep -qF -- "$kFinalText" "$run/cli.out"; then
    show_cli_output
    fail "the final text is missing from $cli's output under $scenario"
  fi
  if grep -q -- "$kApiKey" "$run/requests.jsonl"; then
    fail "the API key reached the request log"
  fi
  if ! node "$here/check_log.js" "$run/requests.jsonl" "${protocol_of[$cli]}" "$scenario"; then
    show_cli_output
    fail "unexpected requests under $scenario"
  fi
  echo "ok [$cli]: task completed in ${elapsed_ms} ms"
}

set_base_env
declare -A pkg_of=([pi]="$kPiPkg" [codex]="$kCodexPkg" [claude]="$kClaudePkg")
declare -A protocol_of=([pi]=chat [codex]=responses [claude]=anthropic)
if [ "$cli" = pi ]; then check_node_for_pi; fi
install_started=$(date +%s%N)
install_cli "${pkg_of[$cli]}"
install_ms=$((($(date +%s%N) - install_started) / 1000000))
pkg_json="$tmp/prefix/node_modules/${pkg_of[$cli]%@*}/package.json"
version=$(sed -n 's/^[[:space:]]*"version": *"\([^"]*\)".*/\1/p' "$pkg_json" | head -n1)
echo "installed ${pkg_of[$cli]%@*} $version in ${install_ms} ms"
for scenario in "${scenarios[@]}"; do run_scenario "$scenario"; done
echo "PASS [$cli]: ${#scenarios[@]} scenario(s)"
