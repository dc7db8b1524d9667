/**
 * Mutation fuzzing over every fixture, with a fixed seed and a fixed count so
 * `npm test` is repeatable and takes a few seconds. `npm run fuzz -- <count>`
 * runs it longer (run-fuzz.ts).
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './mutation-fuzzer.ts';
import { allFixtures, fuzzTargets } from './fuzz-targets.ts';

describe('mutation fuzzing', () => {
  it('lets only typed RtmpErrors escape any parser (fixed seed)', () => {
    const report = runFuzz(allFixtures, fuzzTargets, { seed: 20261124, count: 20_000 });
    expect(report.inputs).toBe(20_000);
    const findings = report.findings.map((f) => `${f.fixture}: ${String(f.error)}`);
    expect(findings).toEqual([]);
  });
});
