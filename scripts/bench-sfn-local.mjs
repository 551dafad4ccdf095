// The comparison half of the Step Functions benchmark: the same two definitions
// (tests/bench/sfn-chain.json, tests/bench/sfn-map.json) and inputs run by the
// aws-local-stepfunctions npm package in Node, timed the same way (start to the last
// execution's end). Usage: node scripts/bench-sfn-local.mjs [EXECUTIONS]
import { StateMachine } from 'aws-local-stepfunctions';
import { readFileSync } from 'node:fs';

const executions = Number(process.argv[2] || 2000);
const load = (f) => JSON.parse(readFileSync(new URL(`../tests/bench/${f}`, import.meta.url)));
const cases = [
  ['sfn chain ', load('sfn-chain.json'), { n: 1 }, executions],
  ['sfn map1000', load('sfn-map.json'), { items: Array.from({ length: 1000 }, (_, v) => ({ v })) }, Math.max(1, Math.floor(executions / 100))],
];
// The median of ROUNDS rounds, as `playground bench` reports its own (later rounds also
// run on V8's optimised code, which only helps this side).
const ROUNDS = 5;
for (const [label, def, input, n] of cases) {
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const sm = new StateMachine(def);
    const t0 = performance.now();
    const runs = [];
    for (let i = 0; i < n; i++) runs.push(sm.run(input).result);
    const results = await Promise.all(runs);
    rounds.push((performance.now() - t0) / 1000);
    if (results.length !== n) throw new Error(`${label}: ${results.length} of ${n} finished`);
  }
  rounds.sort((a, b) => a - b);
  const secs = rounds[Math.floor(ROUNDS / 2)];
  console.log(`node    ${label}      ${n} executions in ${secs.toFixed(3)} s = ${(n / secs).toFixed(0)} executions/s (aws-local-stepfunctions, median of ${ROUNDS} rounds)`);
}
