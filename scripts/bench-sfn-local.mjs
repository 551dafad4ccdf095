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
for (const [label, def, input, n] of cases) {
  const sm = new StateMachine(def);
  const t0 = performance.now();
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(sm.run(input).result);
  const results = await Promise.all(runs);
  const secs = (performance.now() - t0) / 1000;
  if (results.length !== n) throw new Error(`${label}: ${results.length} of ${n} finished`);
  console.log(`node    ${label}      ${n} executions in ${secs.toFixed(3)} s = ${(n / secs).toFixed(0)} executions/s (aws-local-stepfunctions)`);
}
