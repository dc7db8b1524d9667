/**
 * `@rtmp-web/bridge` as an operator gets it: built (`build:types` +
 * `build:packages --only bridge`) into a temporary directory, `npm pack`ed,
 * installed from the tarball into an empty folder outside the repository,
 * then run: `npx rtmp-bridge`, the installed bin bridging bytes to a TCP
 * echo server and stopping on SIGTERM, and the library API from a strict
 * Node TypeScript project.
 *
 * Offline: the install uses a lockfile made from the repository's own
 * (the same versions, checked by integrity), so npm takes every tarball from
 * its cache, which `npm ci` of the repository filled.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeProcess } from '../../bridge/test/support/cli-process.ts';
import { closed, openWs, startEchoTarget, until } from '../../bridge/test/support/loopback.ts';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NPM_FLAGS = ['--offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** One entry of a lockfile v3 `packages` map. */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  optional?: boolean;
  [field: string]: unknown;
}

/** The manifest fields of the packed package this test reads. */
interface PackedManifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * A lockfile for an app whose only dependency is the tarball: the tarball's
 * dependency closure copied from the repository's lockfile (hoisted and
 * nested entries, the way npm laid them out there). A dependency the
 * repository does not lock cannot be installed offline: that fails here,
 * by name.
 */
function appLock(rootLock: { packages: Record<string, LockEntry> }, tarball: string, manifest: PackedManifest, integrity: string): object {
  const src = rootLock.packages;
  const packages: Record<string, LockEntry> = {};
  /** Where `name`, required from the package at `from`, resolves in the repository's tree. */
  const locate = (from: string, name: string): string => {
    for (let base = from; ; ) {
      const path = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
      if (src[path] !== undefined) return path;
      if (base === '') throw new Error(`${name} (needed by ${from || manifest.name}) is not in package-lock.json: it cannot be installed offline`);
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const required = new Set<string>();
  const optional = new Set<string>();
  const walk = (path: string, deps: Record<string, string> | undefined, into: Set<string>) => {
    for (const name of Object.keys(deps ?? {})) {
      const found = locate(path, name);
      if (into.has(found) || required.has(found)) continue;
      into.add(found);
      const entry = src[found] ?? {};
      walk(found, entry.dependencies, into);
      walk(found, entry.optionalDependencies, optional);
    }
  };
  walk('', manifest.dependencies, required);
  walk('', manifest.optionalDependencies, optional);
  for (const path of [...required, ...optional]) {
    // The repository's flags (dev, peer…) describe its tree, not this app's.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, optional: _optional, ...entry } = src[path] ?? {};
    packages[path] = { ...entry, ...(required.has(path) ? {} : { optional: true }) };
  }
  const spec = `file:${tarball}`;
  return {
    name: 'bridge-operator',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'bridge-operator', dependencies: { [manifest.name]: spec } },
      [`node_modules/${manifest.name}`]: {
        version: manifest.version,
        resolved: spec,
        integrity,
        dependencies: manifest.dependencies,
        optionalDependencies: manifest.optionalDependencies,
        bin: manifest.bin,
      },
      ...packages,
    },
  };
}

describe('@rtmp-web/bridge, packed and installed outside the repository', () => {
  let dir: string;
  let app: string;
  let manifest: PackedManifest;
  let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtmp-bridge-package-'));
    const started = Date.now();
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'bridge/tsconfig.build.json'), '--outDir', join(dir, 'types/bridge')], { cwd: root });
    await run(process.execPath, ['--import', 'tsx', join(root, 'scripts/build-packages.ts'), '--types-dir', join(dir, 'types'), '--out-dir', join(dir, 'packages'), '--only', 'bridge'], { cwd: root });
    const { stdout } = await run('npm', ['pack', join(dir, 'packages/bridge'), '--pack-destination', dir, '--json', ...NPM_FLAGS], { cwd: dir });
    const [info] = JSON.parse(stdout) as [typeof packed & { integrity: string }];
    packed = info;
    manifest = JSON.parse(readFileSync(join(dir, 'packages/bridge/package.json'), 'utf8')) as PackedManifest;

    // An operator's folder: nothing but the tarball as a dependency.
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'bridge-operator', private: true, dependencies: { [manifest.name]: `file:../${packed.filename}` } }, null, 2)}\n`);
    const rootLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLock(rootLock, `../${packed.filename}`, manifest, info.integrity), null, 2));
    await run('npm', ['ci', ...NPM_FLAGS], { cwd: app });
    console.log(`bridge package: ${packed.filename}, ${packed.size} B packed, ${packed.unpackedSize} B unpacked, ${packed.files.length} files; built, packed and installed in ${Date.now() - started} ms`);
  }, 180_000);

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('packs compiled JavaScript, declarations, the bin and the README, and no TypeScript sources', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'index.js', 'cli.js', 'types/index.d.ts', 'bin/rtmp-bridge.mjs', 'deploy/nginx-rtmp-bridge.conf', 'deploy/rtmp-bridge@.service']),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(manifest.bin).toEqual({ 'rtmp-bridge': './bin/rtmp-bridge.mjs' });
    // Runtime dependencies only: no tsx, no TypeScript.
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@types/ws', 'prom-client', 'ws']);
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    expect(readdirSync(join(app, 'node_modules/.bin'))).toContain('rtmp-bridge');
  });

  it('npx rtmp-bridge (and npx @rtmp-web/bridge, its one bin) runs the installed bin: --help, and token', async () => {
    for (const name of ['rtmp-bridge', manifest.name]) {
      const help = await run('npx', ['--offline', name, '--help'], { cwd: app, timeout: 30_000 });
      expect(help.stdout, name).toMatch(/^Usage:\n {2}rtmp-bridge /);
    }
    const token = await run('npx', ['--offline', 'rtmp-bridge', 'token', '--secret', 'a sixteen+ byte secret', '--ttl', '60'], { cwd: app, timeout: 30_000 });
    expect(token.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+$/);
  }, 60_000);

  it('bridges bytes to a TCP echo server on an allowed loopback address, then stops on SIGTERM', async () => {
    const target = await startEchoTarget();
    cleanups.push(() => target.close());
    // The bin itself (not through npx, which does not pass SIGTERM on): what a process supervisor runs.
    const { child, port, lines } = await startBridgeProcess(join(app, 'node_modules/.bin/rtmp-bridge'), [], ['--allow', `127.0.0.1:${target.port}`, '--drain-timeout', '1'], {
      cwd: app,
      onSpawn: (c) => cleanups.push(() => c.exitCode === null && c.kill('SIGKILL')),
    });
    const ws = await openWs(`ws://127.0.0.1:${port}/?host=127.0.0.1&port=${target.port}`);
    const payload = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const received: Buffer[] = [];
    let length = 0;
    const echoed = new Promise<void>((done) =>
      ws.on('message', (d: Buffer) => {
        received.push(d);
        length += d.length;
        if (length >= payload.length) done();
      }),
    );
    ws.send(payload);
    await echoed;
    expect(Buffer.concat(received).equals(payload)).toBe(true);
    ws.close(1000);
    await closed(ws);
    await until(() => lines.some((l) => l.event === 'connection'), 'the connection log line');

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    expect(lines.map((l) => l.event)).toEqual(['listening', 'connection', 'shutdown', 'stopped']);
    expect(lines[1]).toMatchObject({ closeReason: 'client-closed', bytesToTarget: payload.length, bytesToClient: payload.length });
  }, 60_000);

  it('serves its library API, with declarations, to a strict Node TypeScript project', async () => {
    writeFileSync(join(app, 'main.ts'), [
      `import { createBridge, mintToken, parseAllowEntry, type BridgeOptions, type BridgeStats } from '@rtmp-web/bridge';`,
      `const options: BridgeOptions = { allow: [parseAllowEntry('127.0.0.1:1935')], log: false, tokenSecret: 'a sixteen+ byte secret' };`,
      `const bridge = createBridge(options);`,
      `const { port } = await bridge.listen(0, '127.0.0.1');`,
      `const stats: BridgeStats = bridge.stats();`,
      `const token: string = mintToken({ secret: 'a sixteen+ byte secret', ttlSeconds: 60, target: '127.0.0.1:1935' });`,
      `await bridge.close();`,
      `console.log(JSON.stringify({ port, active: stats.active, token: token.length > 0 }));`,
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
      files: ['main.ts'],
    }));
    // package.json "type": "module" is what makes main.ts an ES module (top-level await).
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(app, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }, null, 2));
    const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app });
    await expect(tsc.catch((e: { stdout?: string }) => Promise.reject(new Error(e.stdout ?? String(e))))).resolves.toBeDefined();

    // And at run time, as plain JavaScript: Node strips nothing here, the package is JavaScript already.
    writeFileSync(join(app, 'main.mjs'), readFileSync(join(app, 'main.ts'), 'utf8').replace(/, type \w+/g, '').replace(/: \w+ =/g, ' ='));
    const out = await run(process.execPath, [join(app, 'main.mjs')], { cwd: app, timeout: 30_000 });
    expect(JSON.parse(out.stdout)).toMatchObject({ active: 0, token: true });
  }, 60_000);
});
