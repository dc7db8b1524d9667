/**
 * The npm-publishable packages (`npm run build:types` + `build:packages`,
 * built here into a temporary directory), used the way an app would: a
 * strict TypeScript project type-checks against their declarations, and a
 * Vite app build bundles them with their worker files.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FOLDERS = ['rtmp-core', 'rtmp-transport', 'rtmp-player', 'rtmp-publisher', 'rtmp-elements'];

describe('published packages (dist/packages layout)', () => {
  let dir: string;
  let app: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtmp-web-packages-'));
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'types')], { cwd: root });
    // The bridge (a Node package) has a test of its own: bridge-package.test.ts.
    const only = FOLDERS.flatMap((f) => ['--only', f]);
    await run(process.execPath, ['--import', 'tsx', join(root, 'scripts/build-packages.ts'), '--types-dir', join(dir, 'types'), '--out-dir', join(dir, 'packages'), ...only], { cwd: root });

    // An app whose node_modules has copies of the packages (not symlinks into
    // the workspace, so nothing resolves back to the sources) and every other
    // dependency from the repository.
    app = join(dir, 'app');
    mkdirSync(join(app, 'node_modules/@rtmp-web'), { recursive: true });
    for (const f of FOLDERS) cpSync(join(dir, 'packages', f), join(app, 'node_modules/@rtmp-web', f.replace(/^rtmp-/, '')), { recursive: true });
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name === '@rtmp-web' || name.startsWith('.')) continue;
      symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name));
    }
    writeFileSync(join(app, 'main.ts'), [
      `import '@rtmp-web/elements';`,
      `import { RtmpPlayerElement } from '@rtmp-web/player';`,
      `import { RtmpError, RtmpErrorCode } from '@rtmp-web/core';`,
      `import { WebSocketTransport } from '@rtmp-web/transport/websocket';`,
      `const player = document.createElement('rtmp-player');`,
      `const latency: number = player.stats.playerDelayMs;`,
      `const publisher = document.createElement('rtmp-publisher');`,
      `const sent: number = publisher.stats.bytesSent;`,
      `const isPlayer: boolean = player instanceof RtmpPlayerElement;`,
      `const e = new RtmpError(RtmpErrorCode.Timeout, 'x');`,
      `console.log(latency, sent, isPlayer, e.code, typeof WebSocketTransport);`,
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [], skipLibCheck: false },
      include: ['main.ts'],
    }));
    writeFileSync(join(app, 'index.html'), '<!doctype html><rtmp-player></rtmp-player><script type="module" src="./main.ts"></script>');
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('have exports, types and sideEffects that point at files that exist', () => {
    for (const f of FOLDERS) {
      const pkgDir = join(dir, 'packages', f);
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
        name: string; type: string; sideEffects: boolean | string[]; types?: string; exports: Record<string, { types: string; default: string }>;
        dependencies?: Record<string, string>;
      };
      expect(pkg.name).toMatch(/^@rtmp-web\//);
      expect(pkg.type).toBe('module');
      for (const [sub, target] of Object.entries(pkg.exports)) {
        expect(existsSync(join(pkgDir, target.types)), `${pkg.name} ${sub} types`).toBe(true);
        expect(existsSync(join(pkgDir, target.default)), `${pkg.name} ${sub} default`).toBe(true);
      }
      // The protocol packages are side-effect free; the element packages register elements.
      expect(pkg.sideEffects, pkg.name).toEqual(f === 'rtmp-core' || f === 'rtmp-transport' ? false : ['./index.js']);
      // No package carries a copy of another: every @rtmp-web import stays an import and is declared.
      for (const js of readdirSync(pkgDir).filter((n) => n.endsWith('.js') && !/worker/.test(n))) {
        for (const m of readFileSync(join(pkgDir, js), 'utf8').matchAll(/from\s+"(@rtmp-web\/[^/"]+)/g)) {
          expect(pkg.dependencies?.[m[1] ?? ''], `${pkg.name} imports ${m[1]}`).toBeDefined();
        }
      }
    }
  });

  it('type-check in a strict app without allowImportingTsExtensions', async () => {
    const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app });
    await expect(tsc.catch((e: { stdout?: string }) => Promise.reject(new Error(e.stdout ?? String(e))))).resolves.toBeDefined();
  }, 60_000);

  it('bundle in a Vite app build, workers included and self-contained', async () => {
    await build({ root: app, configFile: false, logLevel: 'warn', build: { outDir: join(app, 'dist'), emptyOutDir: true } });
    const assets = readdirSync(join(app, 'dist/assets'));
    const workers = assets.filter((n) => /^(player|publisher)-worker.*\.js$/.test(n));
    expect(workers.map((n) => n.split('-')[0]).sort()).toEqual(['player', 'publisher']);
    const entry = assets.find((n) => /^index-.*\.js$/.test(n));
    expect(entry).toBeDefined();
    const entryCode = readFileSync(join(app, 'dist/assets', entry ?? ''), 'utf8');
    for (const w of workers) {
      expect(entryCode).toContain(w);
      // Copied as an asset, a worker must not import chunks that were not copied with it.
      expect(readFileSync(join(app, 'dist/assets', w), 'utf8')).not.toMatch(/\bimport\s*\(\s*["']\.\//);
    }
  }, 120_000);
});
