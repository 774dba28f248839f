// Checks mh-fake-llm's request log after a coding-agent CLI ran the three-turn task.
//
//   node check_log.js REQUESTS_JSONL PROTOCOL SCENARIO_JSON
//
// Requests of PROTOCOL that got no injected fault must each be answered 200 by a scenario
// turn; those offering tools must carry 0, 1 and 2 tool results, the history growing by
// one exchange (2 messages or items) per turn. Requests that got a fault are counted
// against the `times` of the scenario's faults for PROTOCOL: each fault injected as often
// as written, and the CLI recovered (the answered sequence is complete). Prints one
// summary line; exit 1 with the problems on stderr.
'use strict';
const fs = require('fs');

const [logPath, protocol, scenarioPath] = process.argv.slice(2);
const records = fs.readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const scenario = JSON.parse(fs.readFileSync(scenarioPath, 'utf8'));
const calls = records.filter((r) => r.protocol === protocol);
const answered = calls.filter((r) => r.fault === null);
const faulted = calls.filter((r) => r.fault !== null);
const problems = [];

for (const c of answered) {
  if (c.status !== 200) problems.push(`${c.method} ${c.path} answered ${c.status}`);
  if (c.turn === null) problems.push(`${c.path}: no turn of the scenario matched`);
}
const withTools = answered.filter((c) => c.tools.length > 0);
const results = withTools.map((c) => c.tool_results);
if (JSON.stringify(results) !== '[0,1,2]') {
  problems.push(`tool results per answered call: ${JSON.stringify(results)}, want [0,1,2]`);
}
// A client that merged two replies into one assistant message (Claude Code does when a
// server reuses a message id) would show a smaller step.
const sizes = withTools.map((c) => c.messages);
if (sizes.some((n, i) => i > 0 && n !== sizes[i - 1] + 2)) {
  problems.push(`history sizes ${JSON.stringify(sizes)} do not grow by 2 per turn`);
}

let expectedFaults = 0;
for (const turn of scenario.turns) {
  const when = turn.when || {};
  if (!turn.fault || (when.protocol && when.protocol !== protocol)) continue;
  if (turn.fault.times === undefined) {
    problems.push('a fault without `times` never lets the task finish');
  }
  expectedFaults += turn.fault.times || 0;
}
if (faulted.length !== expectedFaults) {
  problems.push(`${faulted.length} requests got a fault, the scenario injects ${expectedFaults}`);
}

for (const p of problems) console.error(p);
const kinds = faulted.map((c) => `${c.fault} ${c.status}`).join(', ');
console.log(`${scenario.name}: ${calls.length} ${protocol} calls, tool results ` +
            `${JSON.stringify(results)}${kinds ? `, recovered from ${kinds}` : ''}`);
process.exit(problems.length ? 1 : 0);
