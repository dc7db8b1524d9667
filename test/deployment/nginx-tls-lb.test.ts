/**
 * The deployment docs/deployment.md describes, run for real on loopback:
 * Debian's nginx terminates TLS (a test CA made here with openssl) and
 * balances two `rtmp-bridge` processes started from the systemd unit's own
 * ExecStart=; nginx's site config is bridge/deploy/nginx-rtmp-bridge.conf with
 * only ports, paths and names replaced. FFmpeg publishes to nginx-rtmp;
 * headless Chromium (puppeteer-core, /usr/bin/chromium, trusting the server
 * key by its SPKI hash) loads the built dist/rtmp.js from nginx and plays
 * through wss://. Then the instance carrying the stream gets SIGTERM: new
 * WebSockets must land on the other one, the open stream must keep flowing
 * until the drain timeout, the drained instance must exit 0 soon after, and
 * the player must come back through the other instance. /metrics is scraped
 * from each instance directly (nginx refuses it from outside).
 *
 * The measured numbers land in test-output/deployment/drain.json.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type BridgeProcess, startBridgeProcess } from '../../bridge/test/support/cli-process.ts';
import { launchChromium, type LaunchedChromium } from '../demo/chromium.ts';
import { type FfmpegProcess, ffmpegPublish, makeTestSource, run } from '../peers/ffmpeg.ts';
import { freePort } from '../peers/free-port.ts';
import { type NginxHttp, startNginxHttp } from '../peers/nginx-http.ts';
import { type NginxRtmp, startNginxRtmp } from '../peers/nginx-rtmp.ts';
import { makeTestCa, type TestCa } from '../peers/test-ca.ts';
import {
  DEPLOYMENT_DOC, fillTemplate, NGINX_CONF_FILE, readDeployFile, ROOT, SYSTEMD_UNIT_FILE, unitExecStart,
} from './deploy-files.ts';

const hasSystemdAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { stdio: 'ignore' }).status === 0;
if (!hasSystemdAnalyze) console.warn('systemd-analyze is missing: the unit is not verified (Debian package systemd)');

/** The drain timeout the test gives the bridges (the unit says 30 s). */
const DRAIN_S = 4;
/** The bridge's grace after the drain timeout: 2 s for the 1001 close handshake, 2 s to terminate (bridge-server.ts). */
const CLOSE_GRACE_MS = 4_000;
const FPS = 25;
const STREAM = 'deploy';

/** What the player reports, as sampled from the page. */
interface Sample {
  /** ms since the SIGTERM. */
  t: number;
  state: string;
  framesDecoded: number;
  bytesReceived: number;
  reconnects: number;
}

/** The figures this test measures (written to test-output/deployment/drain.json). */
interface DrainReport {
  drainTimeoutMs: number;
  /** SIGTERM → the drained process exited. */
  exitMs: number;
  exitCode: number | null;
  /** Frames the player decoded between the SIGTERM and the 1001 close. */
  framesDuringDrain: number;
  /** The last time (ms after SIGTERM) the player's decoded frames still grew on the old connection. */
  lastGrowthOnOldMs: number;
  /** How long the drained connection lived after the SIGTERM, from its log line. */
  drainedConnectionAfterSigtermMs: number;
  closeCode: unknown;
  closeReason: unknown;
  /** Probe WebSockets opened during the drain, and how nginx routed them (`$upstream_addr`). */
  probes: { opened: number; upstreams: string[] };
  /** SIGTERM → the player decoding again, through the other instance. */
  backPlayingMs: number;
  metricsBefore: Record<string, Metrics>;
  metricsAfter: Metrics;
}

/** The figures read from one /metrics scrape. */
interface Metrics {
  active: number;
  accepted: number;
  bytesToClient: number;
}

/** One sample of a scrape; a labelled series prom-client has not seen yet (no upgrade accepted) is 0. */
function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined && name.includes('{') && text.includes(`# TYPE ${name.slice(0, name.indexOf('{'))} `)) return 0;
  if (line === undefined) throw new Error(`no ${name} in /metrics:\n${text.slice(0, 2000)}`);
  return Number(line.slice(name.length + 1));
}

async function scrape(port: number): Promise<Metrics> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`/metrics on ${port}: ${res.status}`);
  const text = await res.text();
  return {
    active: metricValue(text, 'rtmp_bridge_connections_active'),
    accepted: metricValue(text, 'rtmp_bridge_upgrades_total{result="accepted"}'),
    bytesToClient: metricValue(text, 'rtmp_bridge_bytes_total{direction="to_client"}'),
  };
}

/** GET over https, trusting only the test CA; resolves with the status. */
function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Opens a WebSocket through nginx (trusting the test CA) and closes it once open. */
function probe(url: string, origin: string, ca: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca, origin, handshakeTimeout: 5000 });
    ws.once('open', () => {
      ws.close(1000);
      ws.once('close', () => resolve());
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`probe refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function playerStats(page: Page): Promise<Omit<Sample, 't'>> {
  return page.evaluate(() => {
    const s = (document.getElementById('player') as unknown as { stats: Record<string, unknown> }).stats;
    return {
      state: String(s.state),
      framesDecoded: Number(s.framesDecoded),
      bytesReceived: Number(s.bytesReceived),
      reconnects: Number(s.reconnects),
    };
  });
}

/** `promise`, or a rejection saying `what` after `ms`. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function until<T>(what: string, timeoutMs: number, probeFn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probeFn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopBridge(b: BridgeProcess | undefined): Promise<void> {
  if (!b || b.child.exitCode !== null || b.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => b.child.kill('SIGKILL'), (DRAIN_S * 1000) + CLOSE_GRACE_MS + 2000);
    b.child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    b.child.kill('SIGTERM');
  });
}

describe('deployment: nginx TLS + two bridges, SIGTERM drain (headless Chromium over wss://)', () => {
  let dir = '';
  let ca: TestCa;
  let rtmp: NginxRtmp | undefined;
  let publisher: FfmpegProcess | undefined;
  const bridges: BridgeProcess[] = [];
  /** Every bridge child, listening or not, so afterAll kills one that never came up. */
  const spawned: ChildProcess[] = [];
  let nginx: NginxHttp | undefined;
  let chromium: LaunchedChromium | undefined;
  let page: Page;
  let httpsPort = 0;
  let origin = '';
  const pageLog: string[] = [];
  /** The instance the player ends the first test on, for the second. */
  let survivor: BridgeProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtmp-deploy-'));
    const www = join(dir, 'www');
    mkdirSync(www);
    // The built player, fresh (not whatever dist/ holds), beside a plain page.
    const building = run(join(ROOT, 'node_modules/.bin/vite'), ['build', ROOT, '--config', join(ROOT, 'vite.config.ts'),
      '--outDir', join(www, 'dist'), '--emptyOutDir', '--logLevel', 'error'], 90_000);
    [ca, rtmp] = await Promise.all([makeTestCa(dir), startNginxRtmp()]);
    const source = await makeTestSource({ width: 320, height: 240, fps: FPS, seconds: 4, bframes: 0 });
    publisher = ffmpegPublish(source, `${rtmp.url}/${STREAM}`);

    httpsPort = await freePort();
    origin = `https://127.0.0.1:${httpsPort}`;
    // Both instances exactly as the unit starts them, but on free ports, this RTMP server, this origin and a short drain.
    const unit = readDeployFile(SYSTEMD_UNIT_FILE);
    const argv = unitExecStart(
      fillTemplate(SYSTEMD_UNIT_FILE, unit, [
        ['--allow live.example.com:1935', `--allow 127.0.0.1:${rtmp.port}`],
        ['--origin https://live.example.com', `--origin ${origin}`],
        ['--drain-timeout 30', `--drain-timeout ${DRAIN_S}`],
      ]),
      '0',
    );
    expect(argv[0]).toBe('/usr/bin/rtmp-bridge');
    for (let i = 0; i < 2; i++) {
      // startBridgeProcess puts --listen 127.0.0.1:0 first; the unit's own (%i = 0 here) says the same.
      const starting = startBridgeProcess(process.execPath, [join(ROOT, 'bridge/bin/rtmp-bridge.mjs')], argv.slice(1), {
        onSpawn: (child) => spawned.push(child),
      });
      bridges.push(await within(15_000, starting, 'rtmp-bridge printed no listening line'));
    }
    const [a, b] = bridges as [BridgeProcess, BridgeProcess];

    const site = fillTemplate(NGINX_CONF_FILE, readDeployFile(NGINX_CONF_FILE), [
      ['server 127.0.0.1:8081 ', `server 127.0.0.1:${a.port} `],
      ['server 127.0.0.1:8082 ', `server 127.0.0.1:${b.port} `],
      ['listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`],
      ['server_name live.example.com;', 'server_name 127.0.0.1 localhost;'],
      ['/etc/ssl/live.example.com/fullchain.pem', ca.serverCertFile],
      ['/etc/ssl/live.example.com/privkey.pem', ca.serverKeyFile],
      ['root /var/www/rtmp-web;', `root ${www};`],
    ]);
    await building;
    writeFileSync(join(www, 'index.html'), `<!doctype html>
<meta charset="utf-8"><title>rtmp-web behind nginx</title>
<script type="module" src="/dist/rtmp.js"></script>
<rtmp-player id="player" style="width:320px" muted autoplay
  src="rtmp://127.0.0.1:${rtmp.port}/live/${STREAM}" bridge="wss://127.0.0.1:${httpsPort}/rtmp-bridge/"></rtmp-player>
`);
    nginx = await startNginxHttp({ http: site, port: httpsPort });
    chromium = await launchChromium([`--ignore-certificate-errors-spki-list=${ca.serverSpkiSha256}`]);
    page = await chromium.browser.newPage();
    page.on('console', (m) => pageLog.push(m.text()));
    page.on('pageerror', (e) => pageLog.push(`page error: ${(e as Error).message}`));
    page.on('requestfailed', (r) => pageLog.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    // The element's events (they do not bubble): state changes and errors, for failure messages.
    await page.evaluateOnNewDocument(() => {
      addEventListener('DOMContentLoaded', () => {
        const el = document.getElementById('player');
        for (const type of ['statechange', 'error']) {
          el?.addEventListener(type, (e) => console.log(`player ${type}: ${JSON.stringify((e as CustomEvent).detail)}`));
        }
      });
    });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await Promise.all(bridges.map(stopBridge));
    for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await nginx?.stop();
    await publisher?.stop();
    await rtmp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('docs/deployment.md shows the nginx config and the systemd unit exactly as the test runs them', () => {
    const doc = readDeployFile(DEPLOYMENT_DOC);
    expect(doc).toContain(`\`\`\`nginx\n${readDeployFile(NGINX_CONF_FILE)}\`\`\``);
    expect(doc).toContain(`\`\`\`ini\n${readDeployFile(SYSTEMD_UNIT_FILE)}\`\`\``);
  });

  it.skipIf(!hasSystemdAnalyze)('systemd-analyze verify accepts the unit (its ExecStart pointed at this checkout)', () => {
    const unitDir = mkdtempSync(join(tmpdir(), 'rtmp-unit-'));
    try {
      const unit = fillTemplate(SYSTEMD_UNIT_FILE, readDeployFile(SYSTEMD_UNIT_FILE), [
        ['ExecStart=/usr/bin/rtmp-bridge ', `ExecStart=${process.execPath} ${join(ROOT, 'bridge/bin/rtmp-bridge.mjs')} `],
      ]);
      writeFileSync(join(unitDir, 'rtmp-bridge@.service'), unit);
      // A bad directive is only a warning on stderr, with exit status 0: both must be clean.
      const r = spawnSync('systemd-analyze', ['verify', join(unitDir, 'rtmp-bridge@8081.service')], { timeout: 20_000, encoding: 'utf8' });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(unitDir, { recursive: true, force: true });
    }
  });

  it('plays through wss://; SIGTERM drains one instance while new connections go to the other', async () => {
    if (!nginx || !rtmp) throw new Error('not started');
    const [a, b] = bridges as [BridgeProcess, BridgeProcess];
    // TLS is nginx's, signed by the test CA; the bridges' metrics are not reachable through it.
    expect(await httpsStatus(`${origin}/dist/rtmp.js`, ca.caCert)).toBe(200);
    expect(await httpsStatus(`${origin}/rtmp-bridge/metrics`, ca.caCert)).toBe(403);

    await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 15_000 });
    await until('the player decodes through wss://', 30_000, async () => {
      const s = await playerStats(page);
      return s.state === 'playing' && s.framesDecoded >= FPS ? s : undefined;
    }).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await playerStats(page))}\npage:\n${pageLog.join('\n')}\n`
        + `nginx access log:\n${nginx?.accessLog()}\nnginx error log:\n${nginx?.errorLog().slice(-3000)}`);
    });

    // Which instance carries the stream (nginx chose).
    const before = { a: await scrape(a.port), b: await scrape(b.port) };
    expect(before.a.active + before.b.active).toBe(1);
    const [drained, other] = before.a.active === 1 ? [a, b] : [b, a];
    const otherBefore = before.a.active === 1 ? before.b : before.a;
    const drainedBefore = before.a.active === 1 ? before.a : before.b;
    expect(drainedBefore.bytesToClient).toBeGreaterThan(10_000);

    // SIGTERM, as `systemctl stop` sends it; sample the player meanwhile.
    const samples: Sample[] = [];
    const t0 = Date.now();
    const exited = new Promise<number | null>((resolve) => drained.child.once('exit', (code) => resolve(code)));
    let exitMs = -1;
    void exited.then(() => (exitMs = Date.now() - t0));
    drained.child.kill('SIGTERM');
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ t: Date.now() - t0, ...(await playerStats(page)) });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    // New connections during the drain: three WebSockets through nginx, each must open.
    await new Promise((r) => setTimeout(r, 300));
    const probeUrl = `wss://127.0.0.1:${httpsPort}/rtmp-bridge/?host=127.0.0.1&port=${rtmp.port}&probe=1`;
    for (let i = 0; i < 3; i++) await within(10_000, probe(probeUrl, origin, ca.caCert), `probe ${i + 1} did not open and close`);

    const exitCode = await within(DRAIN_S * 1000 + CLOSE_GRACE_MS + 2000, exited, 'the drained bridge did not exit');
    // The player comes back through the other instance.
    const back = await until('the player decodes again after the drain', 15_000, async () => {
      const last = samples.at(-1);
      const atClose = samples.find((s) => s.reconnects > 0);
      return last && atClose && last.reconnects > 0 && last.state === 'playing' && last.framesDecoded > atClose.framesDecoded + FPS / 2
        ? last : undefined;
    });
    sampling = false;
    await sampler;
    const afterMetrics = await scrape(other.port);

    const shutdownLine = drained.lines.find((l) => l.event === 'connection');
    const stopped = drained.lines.some((l) => l.event === 'stopped');
    const first = samples[0] as Sample;
    const onOld = samples.filter((s) => s.reconnects === 0);
    let lastGrowthOnOldMs = 0;
    for (let i = 1; i < onOld.length; i++) if ((onOld[i] as Sample).framesDecoded > (onOld[i - 1] as Sample).framesDecoded) lastGrowthOnOldMs = (onOld[i] as Sample).t;
    const upstreams = (nginx.accessLog().match(/^.* 101 GET \/rtmp-bridge\/\?\S*&probe=1 HTTP\/1\.1$/gm) ?? [])
      .map((l) => l.slice(0, l.indexOf(' 101 ')));
    const report: DrainReport = {
      drainTimeoutMs: DRAIN_S * 1000,
      exitMs,
      exitCode,
      framesDuringDrain: (onOld.at(-1)?.framesDecoded ?? 0) - first.framesDecoded,
      lastGrowthOnOldMs,
      drainedConnectionAfterSigtermMs: Date.parse(String(shutdownLine?.time)) - t0,
      closeCode: shutdownLine?.closeCode,
      closeReason: shutdownLine?.closeReason,
      probes: { opened: 3, upstreams },
      backPlayingMs: back.t,
      metricsBefore: { drained: drainedBefore, other: otherBefore },
      metricsAfter: afterMetrics,
    };
    const outDir = join(ROOT, 'test-output/deployment');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'drain.json'), `${JSON.stringify({ ...report, samples }, null, 2)}\n`);

    expect(exitCode).toBe(0);
    expect(stopped).toBe(true);
    expect(exitMs).toBeGreaterThanOrEqual(DRAIN_S * 1000);
    expect(exitMs).toBeLessThan(DRAIN_S * 1000 + CLOSE_GRACE_MS);
    // The open stream kept flowing through the drain: decoded frames grew until shortly before the timeout.
    // (The player's stats refresh about every 400 ms; 1.5 s of slack for a loaded machine.)
    expect(report.lastGrowthOnOldMs).toBeGreaterThan(DRAIN_S * 1000 - 1500);
    expect(report.framesDuringDrain).toBeGreaterThan(FPS * (DRAIN_S - 1) * 0.6);
    expect(shutdownLine?.closeReason).toBe('shutdown');
    expect(shutdownLine?.closeCode).toBe(1001);
    // Every new connection went to the other instance: its 3 probes and the player's reconnect.
    expect(afterMetrics.accepted - otherBefore.accepted).toBeGreaterThanOrEqual(4);
    expect(afterMetrics.active).toBe(1);
    expect(drained.lines.filter((l) => l.event === 'connection')).toHaveLength(1);
    expect(upstreams).toHaveLength(3);
    for (const u of upstreams) expect(u.endsWith(`127.0.0.1:${other.port}`)).toBe(true);
    survivor = other;
  }, 60_000);

  it('a stream that ends during the drain lets the instance exit at once, before the timeout', async () => {
    if (!survivor) throw new Error('the drain test did not leave a playing instance');
    const bridge = survivor;
    const t0 = Date.now();
    const exited = new Promise<number | null>((resolve) => bridge.child.once('exit', (code) => resolve(code)));
    bridge.child.kill('SIGTERM');
    const atSigterm = await playerStats(page);
    await new Promise((r) => setTimeout(r, 1000));
    const later = await playerStats(page);
    expect(later.bytesReceived).toBeGreaterThan(atSigterm.bytesReceived); // still flowing while draining
    const stopAt = Date.now() - t0;
    await page.evaluate(() => (document.getElementById('player') as unknown as { stop(): Promise<void> }).stop());
    const code = await within(DRAIN_S * 1000, exited, 'the bridge did not exit after its last stream ended');
    const exitMs = Date.now() - t0;
    const line = bridge.lines.filter((l) => l.event === 'connection').at(-1);
    const outDir = join(ROOT, 'test-output/deployment');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'drain-early.json'), `${JSON.stringify({ drainTimeoutMs: DRAIN_S * 1000, stopAt, exitMs, exitCode: code, closeReason: line?.closeReason, closeCode: line?.closeCode }, null, 2)}\n`);
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(DRAIN_S * 1000 - 1000);
    expect(line?.closeReason).not.toBe('shutdown');
  }, 30_000);
});
