/** Writes a soak's record and verdict as JSON and its plot as SVG into test-output/soak/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { soakPlot } from './soak-plot.ts';
import type { SoakVerdict } from './soak-report.ts';
import type { SoakRun } from './soak-run.ts';

/** test-output/soak in the repository. */
export const SOAK_OUTPUT_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test-output/soak');

/** Writes `<name>.json` (the run and its verdict) and `<name>.svg`; returns their paths. */
export function writeSoakOutput(name: string, run: SoakRun, verdict: SoakVerdict, extra: Record<string, unknown> = {}): { json: string; svg: string } {
  mkdirSync(SOAK_OUTPUT_DIR, { recursive: true });
  const json = join(SOAK_OUTPUT_DIR, `${name}.json`);
  const svg = join(SOAK_OUTPUT_DIR, `${name}.svg`);
  writeFileSync(json, `${JSON.stringify({ ...extra, verdict, run }, null, 1)}\n`);
  writeFileSync(svg, soakPlot(run, verdict));
  return { json, svg };
}
