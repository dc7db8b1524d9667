/**
 * `npm run fuzz -- [count] [seed]`: a longer mutation-fuzzing run over every
 * fixture. Prints inputs per second and any input that let something other
 * than an RtmpError escape (with its hex), and exits non-zero if there was one.
 *
 * It runs in batches and lets the event loop turn between them: some
 * targets (a whole client session for `command`) settle promises, whose
 * reactions wait for the loop, so a run of millions in one synchronous go
 * would hold every input's session until the end (660 MB per 100 000
 * `command` inputs, measured). Memory stays flat this way.
 */
import { bytesToHex } from '../../src/bytes/byte-cursor.ts';
import { runFuzz, type FuzzReport } from './mutation-fuzzer.ts';
import { allFixtures, fuzzTargets } from './fuzz-targets.ts';

/** Inputs per batch (each batch its own seed: the run's seed + the batch's index). */
const BATCH = 100_000;
/** Findings printed at most. */
const MAX_FINDINGS = 20;

const count = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
if (!Number.isInteger(count) || count <= 0) {
  console.error('usage: npm run fuzz -- [count] [seed]');
  process.exit(2);
}
const total: FuzzReport = { inputs: 0, typedErrors: 0, findings: [], millis: 0 };
let maxRssMb = 0;
for (let b = 0; total.inputs < count; b++) {
  const r = runFuzz(allFixtures, fuzzTargets, { seed: seed + b, count: Math.min(BATCH, count - total.inputs) });
  total.inputs += r.inputs;
  total.typedErrors += r.typedErrors;
  total.millis += r.millis;
  total.findings.push(...r.findings.slice(0, MAX_FINDINGS - total.findings.length));
  await new Promise<void>((resolve) => setImmediate(resolve));
  maxRssMb = Math.max(maxRssMb, process.memoryUsage().rss / 2 ** 20);
  if (total.inputs % 5_000_000 === 0) console.log(`… ${total.inputs} inputs, ${Math.round(total.inputs / (total.millis / 1000))} inputs/s, rss ${Math.round(maxRssMb)} MB, ${total.findings.length} findings`);
}
const perSecond = Math.round(total.inputs / (total.millis / 1000));
console.log(
  `fuzz: ${total.inputs} inputs from ${allFixtures.length} fixtures, seed ${seed}, ${(total.millis / 1000).toFixed(1)} s, ` +
    `${perSecond} inputs/s, ${total.typedErrors} typed errors, ${total.findings.length} findings, peak rss ${Math.round(maxRssMb)} MB`,
);
for (const f of total.findings) {
  console.log(`\n${f.target} (${f.fixture}): ${f.error instanceof Error ? f.error.stack : String(f.error)}\n${bytesToHex(f.input.subarray(0, 512))}`);
}
process.exit(total.findings.length > 0 ? 1 : 0);
