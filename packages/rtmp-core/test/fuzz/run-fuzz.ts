/**
 * `npm run fuzz -- [count] [seed]`: a longer mutation-fuzzing run over every
 * fixture. Prints inputs per second and any input that let something other
 * than an RtmpError escape (with its hex), and exits non-zero if there was one.
 */
import { bytesToHex } from '../../src/bytes/byte-cursor.ts';
import { runFuzz } from './mutation-fuzzer.ts';
import { allFixtures, fuzzTargets } from './fuzz-targets.ts';

const count = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
if (!Number.isInteger(count) || count <= 0) {
  console.error('usage: npm run fuzz -- [count] [seed]');
  process.exit(2);
}
const report = runFuzz(allFixtures, fuzzTargets, { seed, count });
const perSecond = Math.round(report.inputs / (report.millis / 1000));
console.log(
  `fuzz: ${report.inputs} inputs from ${allFixtures.length} fixtures, seed ${seed}, ${(report.millis / 1000).toFixed(1)} s, ` +
    `${perSecond} inputs/s, ${report.typedErrors} typed errors, ${report.findings.length} findings`,
);
for (const f of report.findings) {
  console.log(`\n${f.target} (${f.fixture}): ${f.error instanceof Error ? f.error.stack : String(f.error)}\n${bytesToHex(f.input.subarray(0, 512))}`);
}
process.exit(report.findings.length > 0 ? 1 : 0);
