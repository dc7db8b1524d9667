/**
 * The size budget of the one-script-tag bundle: `vite build` (the root
 * config, as `npm run build` runs it) into a temporary directory, each
 * JavaScript file gzipped (zlib's default level, as a CDN or Vite's own
 * report compresses), against a budget about 10 % above the sizes measured
 * when it was set (docs/performance.md, "Bundle size"). A file that grew past its budget, or a
 * new file with none, fails the test: raise the budget there on purpose, and
 * say why in the commit.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Gzipped bytes allowed per built file, by the name before its content hash
 * (`player-worker-CnRw5Fab.js` → `player-worker`). Measured on 2026-12-02
 * (this build, no source maps): rtmp.js 20 684, player-worker 84 350,
 * publisher-worker 47 410, aac-wasm-encoder 285 233, mp4-source 52 004,
 * __vite-browser-external 59. The publisher's worker then gained the
 * Enhanced RTMP publishing (vpcC/av1C records, renditions as multitrack,
 * codec capabilities, decode times): 52 579, its budget raised to match.
 */
export const GZIP_BUDGET: Readonly<Record<string, number>> = {
  /** What every page downloads: both elements, Lit, the worklet. */
  rtmp: 23_000,
  /** The player's worker: the RTMP stack, the pipelines, our own audio decoders. */
  'player-worker': 93_000,
  /** The publisher's worker: the RTMP stack, the encoder stages, the muxer. */
  'publisher-worker': 58_000,
  /** Only where the browser has no AAC encoder: FFmpeg's, as WASM. */
  'aac-wasm-encoder': 314_000,
  /** Only for publishing a file: mp4box. */
  'mp4-source': 57_500,
  /** Mediabunny's empty stand-in for Node modules. */
  '__vite-browser-external': 200,
};

/** `player-worker-CnRw5Fab.js` → `player-worker`; `rtmp.js` → `rtmp`. */
export function budgetName(file: string): string {
  return file.replace(/\.js$/, '').replace(/-[A-Za-z0-9_-]{8}$/, '');
}

describe('dist/rtmp.js and its chunks, gzipped', () => {
  let out: string;
  let sizes: Map<string, number>;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'rtmp-web-size-'));
    // Vitest runs with NODE_ENV=test, which Vite would keep (Lit's dev build, less minified): build as `npm run build` does.
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ configFile: join(root, 'vite.config.ts'), root, mode: 'production', logLevel: 'warn', build: { outDir: out, emptyOutDir: true, sourcemap: false } });
    } finally {
      process.env.NODE_ENV = env;
    }
    sizes = new Map(
      readdirSync(out)
        .filter((f) => f.endsWith('.js'))
        .map((f) => [f, gzipSync(readFileSync(join(out, f))).length]),
    );
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds rtmp.js and both workers', () => {
    const names = [...sizes.keys()].map(budgetName);
    for (const n of ['rtmp', 'player-worker', 'publisher-worker', 'aac-wasm-encoder']) expect(names).toContain(n);
  });

  it('every file is within its gzipped budget', () => {
    const report = [...sizes].map(([f, gz]) => `${f}: ${gz} B gzipped (budget ${GZIP_BUDGET[budgetName(f)] ?? 'none'})`);
    console.info(report.join('\n'));
    for (const [file, gz] of sizes) {
      const budget = GZIP_BUDGET[budgetName(file)];
      expect(budget, `${file} has no budget in GZIP_BUDGET`).toBeDefined();
      expect(gz, `${file} is ${gz} B gzipped, over its budget of ${budget} B`).toBeLessThanOrEqual(budget!);
    }
  });
});
