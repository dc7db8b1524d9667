/**
 * Bridge benchmark: `npm run bench:bridge`. Not a test: it prints numbers.
 *
 * Everything runs on loopback. The bridge runs in a child process of its own
 * (bridge-process.ts), so its memory and CPU are the bridge's alone; clients
 * and targets run here. websockify (Debian's `websockify`, the bridge people
 * use today) runs the same load beside it, reached through its TokenFile
 * plugin (`?token=…` picks the target, as `?host=&port=` does for ours).
 * Reports, for each bridge:
 *  1. throughput as a ratio of direct TCP, both directions, and the bridge's
 *     CPU per Gbit/s (cores busy to move 1 Gbit/s), from /proc: medians of
 *     3 runs after a warm-up run, the bridges taking turns run by run;
 *  2. added latency, p50 and p99, of small ping-pong messages (bridge − direct),
 *     in blocks, the bridges taking turns;
 *  3. memory per idle connection (RSS and PSS of the bridge's processes:
 *     websockify forks one per connection, so PSS is the fair sum);
 * and for ours alone:
 *  4. RSS with 500 streaming connections, 100 of them slow readers.
 * Bounded: a watchdog ends the run after 300 s.
 *
 *   npm run bench:bridge [-- --no-websockify]
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { BridgeOptions } from '../src/index.ts';

const ORIGIN = 'http://localhost';
const MB = 1024 * 1024;
const THROUGHPUT_BYTES = 256 * MB;
const LATENCY_ROUNDS = 2000;

const WITH_WEBSOCKIFY = !process.argv.includes('--no-websockify');
/** Idle connections opened per bridge: websockify forks a process for each, so fewer. */
const IDLE_CONNECTIONS = { ours: 1000, websockify: 200 };

const watchdog = setTimeout(() => {
  console.error('bench-bridge: watchdog: took over 300 s, giving up');
  process.exit(1);
}, 300_000);
watchdog.unref();

// ---------------------------------------------------------------------------
// helpers

interface Measure {
  rss: number;
  heapUsed: number;
  active: number;
  buffered: number;
  peakBufferedToClient: number;
  paused: number;
}

async function startBridgeProcess(options: BridgeOptions): Promise<{ port: number; pid: number; measure: () => Promise<Measure>; close: () => Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./bridge-process.ts', import.meta.url)), [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return {
    port: ready.port,
    pid: child.pid ?? 0,
    measure: async () => {
      child.send({ type: 'measure' });
      const [m] = (await once(child, 'message')) as [Measure];
      return m;
    },
    close: async () => {
      const exited = once(child, 'exit');
      child.send({ type: 'close' });
      await exited;
    },
  };
}

async function tcpServer(onConnection: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

// ---------------------------------------------------------------------------
// the bridges under test, and what /proc says about their processes

/** A WebSocket-to-TCP bridge under test, in a process (or process tree) of its own. */
interface BridgeUnderTest {
  readonly name: string;
  readonly port: number;
  /** Its main process; websockify's per-connection processes are its children. */
  readonly pid: number;
  /** The query string that reaches 127.0.0.1:`targetPort` through it. */
  query(targetPort: number): string;
  /** Lets memory settle before a reading (ours: a GC). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

function oursUnderTest(b: Awaited<ReturnType<typeof startBridgeProcess>>): BridgeUnderTest {
  return {
    name: 'rtmp-bridge',
    port: b.port,
    pid: b.pid,
    query: (port) => `host=127.0.0.1&port=${port}`,
    settle: async () => void (await b.measure()),
    close: b.close,
  };
}

/** Thrown when websockify is not installed: the message says how to get it, or skip it. */
class WebsockifyMissingError extends Error {
  override readonly name = 'WebsockifyMissingError';
  readonly code = 'WEBSOCKIFY_MISSING';
}

/** A free loopback port (websockify cannot listen on port 0 and report it). */
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Debian's websockify on a free port, with a token for each target port (`?token=t<port>`). */
async function startWebsockify(targetPorts: number[]): Promise<BridgeUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-websockify-'));
  const tokens = join(dir, 'tokens');
  writeFileSync(tokens, targetPorts.map((p) => `t${p}: 127.0.0.1:${p}\n`).join(''));
  const port = await freePort();
  const child = spawn('websockify', ['--token-plugin', 'TokenFile', '--token-source', tokens, `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  // Its per-connection processes outlive it unless killed: also when this run fails.
  const killTree = () => {
    for (const pid of processTree(child.pid ?? 0).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killTree);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new WebsockifyMissingError('websockify is not installed: apt-get install websockify (Debian), or run with --no-websockify') : e),
    );
    child.once('exit', (code) => reject(new Error(`websockify exited ${code}: ${stderr}`)));
  });
  // Listening once a TCP connect succeeds.
  const listening = (async () => {
    for (let i = 0; ; i++) {
      const s = net.connect(port, '127.0.0.1');
      const ok = await new Promise<boolean>((r) => s.once('connect', () => r(true)).once('error', () => r(false)));
      s.destroy();
      if (ok) return;
      if (i > 200) throw new Error(`websockify did not listen on ${port} within 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await Promise.race([listening, failed]);
  failed.catch(() => {});
  return {
    name: 'websockify',
    port,
    pid: child.pid ?? 0,
    query: (p) => `token=t${p}`,
    settle: () => new Promise((r) => setTimeout(r, 300)),
    close: async () => {
      const exited = once(child, 'exit');
      killTree();
      process.off('exit', killTree);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `root` and all its descendants, parents first (from /proc/<pid>/stat). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = statFields(Number(name))?.[1];
    if (ppid !== undefined) children.set(Number(ppid), [...(children.get(Number(ppid)) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] ?? -1) ?? []));
  return tree;
}

/** The fields of /proc/<pid>/stat after the command name (state, ppid, …), or undefined if it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const CLK_TCK = 100;

/** CPU seconds used by a process tree so far: each process's user + system time, reaped children's included. */
function cpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const f = statFields(pid);
    // utime, stime, cutime, cstime are fields 14–17 of stat; 11–14 after the name.
    if (f !== undefined) for (const i of [11, 12, 13, 14]) ticks += Number(f[i] ?? 0);
  }
  return ticks / CLK_TCK;
}

/** RSS and PSS of a process tree, in bytes (PSS splits pages shared between forks fairly). */
function treeMemory(root: number): { rss: number; pss: number; processes: number } {
  let rss = 0;
  let pss = 0;
  const pids = processTree(root);
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return { rss, pss, processes: pids.length };
}

/** Writes `total` bytes from a reused buffer as fast as the socket takes them, then ends. */
function pump(write: (b: Buffer) => boolean, onDrain: (f: () => void) => void, total: number, done: () => void): void {
  const chunk = Buffer.alloc(MB, 7);
  let left = total;
  const go = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        if (left > 0) onDrain(go);
        else done();
        return;
      }
    }
    done();
  };
  go();
}

function openWs(port: number, query: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/?${query}`, { origin: ORIGIN, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const mbps = (bytes: number, s: number) => bytes / MB / s;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

// ---------------------------------------------------------------------------
// 1. throughput and 2. latency, against targets started before the bridge (their ports go in its allowlist)

interface Targets {
  source: { port: number; close: () => void };
  sink: { port: number; close: () => void };
  echo: { port: number; close: () => void };
  sinkDone: { current: (() => void) | undefined };
}

async function startTargets(): Promise<Targets> {
  const sinkDone: Targets['sinkDone'] = { current: undefined };
  const source = await tcpServer((s) => pump((b) => s.write(b), (f) => s.once('drain', f), THROUGHPUT_BYTES, () => s.end()));
  const sink = await tcpServer((s) => {
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= THROUGHPUT_BYTES) {
        sinkDone.current?.();
        s.end();
      }
    });
  });
  const echo = await tcpServer((s) => {
    s.setNoDelay(true);
    s.pipe(s);
  });
  return { source, sink, echo, sinkDone };
}

/** Direct TCP throughput both ways, in MB/s (the baseline for every bridge). */
async function directThroughput(t: Targets): Promise<{ down: number; up: number }> {
  const down = await (async () => {
    const start = process.hrtime.bigint();
    const s = net.connect(t.source.port, '127.0.0.1');
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    await once(s, 'end');
    if (got !== THROUGHPUT_BYTES) throw new Error(`direct download got ${got}`);
    return mbps(got, seconds(start));
  })();
  const up = await (async () => {
    const finished = new Promise<void>((r) => (t.sinkDone.current = r));
    const start = process.hrtime.bigint();
    const s = net.connect(t.sink.port, '127.0.0.1');
    await once(s, 'connect');
    pump((b) => s.write(b), (f) => s.once('drain', f), THROUGHPUT_BYTES, () => {});
    await finished;
    s.destroy();
    return mbps(THROUGHPUT_BYTES, seconds(start));
  })();
  return { down, up };
}

/** Measured runs per direction, after one warm-up run: the medians are reported. */
const THROUGHPUT_RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** What {@link throughput} reports for one bridge. */
interface ThroughputResult {
  /** Median MB/s each way. */
  down: number;
  up: number;
  /** Median CPU per Gbit/s each way (cores), each measured run's, and the warm-up run's. */
  downCores: number;
  upCores: number;
  downCoresRuns: number[];
  upCoresRuns: number[];
  warmUpCores: { down: number; up: number };
  /** Download bytes missing, summed over all runs. */
  lost: number;
}

/**
 * Each bridge's throughput both ways (MB/s) and its CPU per Gbit/s (cores)
 * in each direction: the median of {@link THROUGHPUT_RUNS} runs each way,
 * after one warm-up run each way that is not counted (a long-running Node
 * process has its code compiled and its heap grown; a fresh one spends the
 * first 256 MB on that; websockify forks a fresh process per connection
 * whatever came before). The bridges take turns, run by run, so a change in
 * the machine's load falls on all of them alike.
 */
async function throughput(bridges: BridgeUnderTest[], t: Targets): Promise<ThroughputResult[]> {
  const runs = bridges.map(() => ({ down: [] as { rate: number; cores: number }[], up: [] as { rate: number; cores: number }[], lost: 0, warmUp: { down: NaN, up: NaN } }));
  for (let i = 0; i <= THROUGHPUT_RUNS; i++) {
    for (const [k, b] of bridges.entries()) {
      const one = await throughputOnce(b, t);
      const r = runs[k]!;
      r.lost += one.lost;
      if (i === 0) {
        r.warmUp = { down: one.down.cores, up: one.up.cores };
        continue;
      }
      r.down.push(one.down);
      r.up.push(one.up);
    }
  }
  return runs.map((r) => ({
    down: median(r.down.map((x) => x.rate)),
    up: median(r.up.map((x) => x.rate)),
    downCores: median(r.down.map((x) => x.cores)),
    upCores: median(r.up.map((x) => x.cores)),
    downCoresRuns: r.down.map((x) => x.cores),
    upCoresRuns: r.up.map((x) => x.cores),
    warmUpCores: r.warmUp,
    lost: r.lost,
  }));
}

/** One 256 MB run each way through a bridge: MB/s and the bridge's CPU per Gbit/s for each, and download bytes lost. */
async function throughputOnce(b: BridgeUnderTest, t: Targets): Promise<{ down: { rate: number; cores: number }; up: { rate: number; cores: number }; lost: number }> {
  const gbit = (THROUGHPUT_BYTES * 8) / 1e9;
  let lost = 0;
  // Through the bridge's CPU clock: the run plus a moment for its processes to finish (and be reaped).
  const cores = async (run: () => Promise<number>) => {
    const cpu0 = cpuSeconds(b.pid);
    const rate = await run();
    await new Promise((r) => setTimeout(r, 200));
    return { rate, cores: (cpuSeconds(b.pid) - cpu0) / gbit };
  };
  const down = await cores(async () => {
    const start = process.hrtime.bigint();
    const ws = await openWs(b.port, b.query(t.source.port));
    let got = 0;
    ws.on('message', (d: Buffer) => (got += d.length));
    await once(ws, 'close');
    // websockify 0.10 sometimes drops the tail of what the target sent before it closed: count it, rate what arrived.
    lost = THROUGHPUT_BYTES - got;
    return mbps(got, seconds(start));
  });
  const up = await cores(async () => {
    const finished = new Promise<void>((r) => (t.sinkDone.current = r));
    const start = process.hrtime.bigint();
    const ws = await openWs(b.port, b.query(t.sink.port));
    // ws has no 'drain': keep up to 4 MB buffered and refill from the send callback.
    const chunk = Buffer.alloc(256 * 1024, 7);
    let left = THROUGHPUT_BYTES;
    const refill = () => {
      while (left > 0 && ws.bufferedAmount < 4 * MB) {
        left -= chunk.length;
        ws.send(chunk, ws.bufferedAmount + chunk.length >= 4 * MB ? refill : undefined);
      }
    };
    refill();
    await finished;
    ws.terminate();
    return mbps(THROUGHPUT_BYTES, seconds(start));
  });
  return { down, up, lost };
}

const MESSAGE = Buffer.alloc(32, 1);

/** `rounds` round trips of 32-byte messages over direct TCP to the echo target (after 200 not counted), µs. */
async function directLatency(t: Targets, rounds: number): Promise<number[]> {
  const message = MESSAGE;
  const direct: number[] = [];
  const s = net.connect(t.echo.port, '127.0.0.1');
  s.setNoDelay(true);
  await once(s, 'connect');
  for (let i = 0; i < rounds + 200; i++) {
    const start = process.hrtime.bigint();
    s.write(message);
    let got = 0;
    while (got < message.length) got += ((await once(s, 'data')) as [Buffer])[0].length;
    if (i >= 200) direct.push(seconds(start) * 1e6);
  }
  s.destroy();
  return direct;
}

/** Latency rounds go in this many blocks, the bridges taking turns block by block. */
const LATENCY_BLOCKS = 4;

/**
 * Round trips over direct TCP and through each bridge, µs, sorted:
 * {@link LATENCY_BLOCKS} blocks each, direct TCP and the bridges taking turns,
 * so "added" compares rounds measured under the same load.
 */
async function latencies(bridges: BridgeUnderTest[], t: Targets): Promise<{ direct: number[]; bridges: number[][] }> {
  const rounds = LATENCY_ROUNDS / LATENCY_BLOCKS;
  const direct: number[] = [];
  const all = bridges.map(() => [] as number[]);
  for (let i = 0; i < LATENCY_BLOCKS; i++) {
    direct.push(...(await directLatency(t, rounds)));
    for (const [k, b] of bridges.entries()) all[k]!.push(...(await latency(b, t, rounds)));
  }
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return { direct: sorted(direct), bridges: all.map(sorted) };
}

/** `rounds` round trips through a bridge on a new WebSocket (after 200 not counted), µs. */
async function latency(b: BridgeUnderTest, t: Targets, rounds: number): Promise<number[]> {
  const message = MESSAGE;
  const bridge: number[] = [];
  const ws = await openWs(b.port, b.query(t.echo.port));
  for (let i = 0; i < rounds + 200; i++) {
    const start = process.hrtime.bigint();
    ws.send(message);
    let got = 0;
    while (got < message.length) got += ((await once(ws, 'message')) as [Buffer])[0].length;
    if (i >= 200) bridge.push(seconds(start) * 1e6);
  }
  ws.terminate();
  return bridge;
}

// ---------------------------------------------------------------------------
// 3. idle connections

/** Memory of a bridge's processes before and after `count` idle connections (opened 100 at a time). */
async function idle(
  start: (targetPort: number) => Promise<BridgeUnderTest>,
  count: number,
): Promise<{ before: ReturnType<typeof treeMemory>; after: ReturnType<typeof treeMemory>; count: number }> {
  const target = await tcpServer(() => {});
  const b = await start(target.port);
  await b.settle();
  const before = treeMemory(b.pid);
  const clients: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => openWs(b.port, b.query(target.port))))));
  }
  await new Promise((r) => setTimeout(r, 500));
  await b.settle();
  const after = treeMemory(b.pid);
  for (const ws of clients) ws.terminate();
  target.close();
  await b.close();
  return { before, after, count };
}

// ---------------------------------------------------------------------------
// 4. 500 streaming connections, 100 of them slow readers

async function slowMix(): Promise<{ before: Measure; samples: Measure[]; fastBytes: number; highWaterMark: number }> {
  const highWaterMark = 256 * 1024;
  // Every target socket gets 5 Mbit/s (12.5 KB per 20 ms), from one shared timer, respecting backpressure.
  const streams = new Set<net.Socket>();
  const blocked = new WeakSet<net.Socket>();
  const chunk = Buffer.alloc(12_500, 3);
  const ticker = setInterval(() => {
    for (const s of streams) {
      if (blocked.has(s) || s.destroyed) continue;
      if (!s.write(chunk)) {
        blocked.add(s);
        s.once('drain', () => blocked.delete(s));
      }
    }
  }, 20);
  const target = await tcpServer((s) => {
    streams.add(s);
    s.on('close', () => streams.delete(s));
  });
  const b = await startBridgeProcess({
    allow: [`127.0.0.1:${target.port}`],
    maxConnections: 5000,
    maxConnectionsPerIp: 5000,
    highWaterMark,
    pingIntervalMs: 600_000,
  });
  const before = await b.measure();

  // 400 normal readers.
  let fastBytes = 0;
  const fast: WebSocket[] = [];
  for (let i = 0; i < 400; i += 100) {
    const batch = await Promise.all(Array.from({ length: 100 }, () => openWs(b.port, `host=127.0.0.1&port=${target.port}`)));
    for (const ws of batch) ws.on('message', (d: Buffer) => (fastBytes += d.length));
    fast.push(...batch);
  }
  // 100 slow readers: raw sockets that upgrade, then read nothing.
  const slow: net.Socket[] = [];
  for (let i = 0; i < 100; i++) {
    const s = net.connect(b.port, '127.0.0.1');
    await once(s, 'connect');
    s.write(
      `GET /?host=127.0.0.1&port=${target.port} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ${ORIGIN}\r\n\r\n`,
    );
    await once(s, 'data');
    s.pause();
    slow.push(s);
  }
  const samples: Measure[] = [];
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    samples.push(await b.measure());
  }
  clearInterval(ticker);
  for (const ws of fast) ws.terminate();
  for (const s of slow) s.destroy();
  target.close();
  await b.close();
  return { before, samples, fastBytes, highWaterMark };
}

// ---------------------------------------------------------------------------

// Fail before a minute of measuring, not after.
if (WITH_WEBSOCKIFY && spawnSync('websockify', ['--help'], { stdio: 'ignore' }).error !== undefined) {
  const e = new WebsockifyMissingError('websockify is not installed: apt-get install websockify (Debian), or run with --no-websockify');
  console.error(`bench-bridge: ${e.message}`);
  process.exit(2);
}

const started = Date.now();
const mb = (bytes: number) => bytes / MB;
console.log(`bench-bridge: node ${process.version}, ${THROUGHPUT_BYTES / MB} MB per throughput run, loopback;`);
const loads = () => loadavg().map((l) => l.toFixed(2)).join(', ');
console.log(`load average at the start: ${loads()} (1, 5, 15 min)`);
console.log(`each bridge runs in processes of its own; clients and targets run in this one.${WITH_WEBSOCKIFY ? ' websockify: Debian\'s, default mode (a process per connection).' : ''}\n`);

/** One column per bridge: ours, then websockify unless --no-websockify. */
const results: { name: string; tp: ThroughputResult; lat: number[] }[] = [];
{
  const targets = await startTargets();
  const ports = [targets.source, targets.sink, targets.echo].map((x) => x.port);
  const direct = await directThroughput(targets);
  const starters: (() => Promise<BridgeUnderTest>)[] = [async () => oursUnderTest(await startBridgeProcess({ allow: ports.map((p) => `127.0.0.1:${p}`) }))];
  if (WITH_WEBSOCKIFY) starters.push(() => startWebsockify(ports));
  const bridges: BridgeUnderTest[] = [];
  for (const startOne of starters) bridges.push(await startOne());
  const tps = await throughput(bridges, targets);
  const lats = await latencies(bridges, targets);
  const directLat = lats.direct;
  for (const [k, b] of bridges.entries()) results.push({ name: b.name, tp: tps[k]!, lat: lats.bridges[k]! });
  for (const b of bridges) await b.close();
  const col = (v: string) => v.padStart(13);
  const head = results.map((r) => col(r.name)).join('');
  console.log(`1. throughput (MB/s; median of ${THROUGHPUT_RUNS} runs each way after a warm-up run)`);
  console.log(`                               ${col('direct TCP')}${head}`);
  console.log(`   target → client (download)  ${col(fmt(direct.down, 0))}${results.map((r) => col(`${fmt(r.tp.down, 0)} (${fmt(r.tp.down / direct.down, 2)})`)).join('')}`);
  console.log(`   client → target (upload)    ${col(fmt(direct.up, 0))}${results.map((r) => col(`${fmt(r.tp.up, 0)} (${fmt(r.tp.up / direct.up, 2)})`)).join('')}`);
  console.log(`   bridge CPU per Gbit/s, down ${col('')}${results.map((r) => col(`${fmt(r.tp.downCores, 2)} cores`)).join('')}`);
  console.log(`   bridge CPU per Gbit/s, up   ${col('')}${results.map((r) => col(`${fmt(r.tp.upCores, 2)} cores`)).join('')}`);
  for (const r of results) {
    const list = (xs: number[]) => xs.map((x) => fmt(x, 3)).join(', ');
    const w = r.tp.warmUpCores;
    console.log(`     ${r.name}: each run, down ${list(r.tp.downCoresRuns)}; up ${list(r.tp.upCoresRuns)} (warm-up run: ${fmt(w.down, 3)}; ${fmt(w.up, 3)})`);
  }
  console.log(`   download bytes lost at EOF, all ${THROUGHPUT_RUNS + 1} runs ${results.map((r) => col(String(r.tp.lost))).join('')}`);

  const [d50, d99] = [percentile(directLat, 50), percentile(directLat, 99)];
  console.log(`\n2. round trip of 32-byte messages, ${LATENCY_ROUNDS} rounds in ${LATENCY_BLOCKS} blocks, direct and bridges in turn (µs)`);
  console.log(`                                                p50      p99`);
  console.log(`   direct TCP                                ${fmt(d50).padStart(7)}  ${fmt(d99).padStart(7)}`);
  for (const r of results) {
    const [b50, b99] = [percentile(r.lat, 50), percentile(r.lat, 99)];
    console.log(`   through ${r.name.padEnd(34)}${fmt(b50).padStart(7)}  ${fmt(b99).padStart(7)}   added ${fmt(b50 - d50)} / ${fmt(b99 - d99)}`);
  }
  targets.source.close();
  targets.sink.close();
  targets.echo.close();
}

{
  console.log('\n3. idle connections: memory of the bridge\'s processes (PSS shares forked pages fairly)');
  const runs: [string, (port: number) => Promise<BridgeUnderTest>, number][] = [
    ['rtmp-bridge', async (port) => oursUnderTest(await startBridgeProcess({ allow: [`127.0.0.1:${port}`], maxConnections: 5000, maxConnectionsPerIp: 5000 })), IDLE_CONNECTIONS.ours],
  ];
  if (WITH_WEBSOCKIFY) runs.push(['websockify', (port) => startWebsockify([port]), IDLE_CONNECTIONS.websockify]);
  for (const [name, startOne, count] of runs) {
    const { before, after } = await idle(startOne, count);
    const kb = (bytes: number) => fmt(bytes / 1024 / count, 1);
    console.log(
      `   ${name.padEnd(12)} ${count} idle: RSS ${fmt(mb(before.rss))} → ${fmt(mb(after.rss))} MB, PSS ${fmt(mb(before.pss))} → ${fmt(mb(after.pss))} MB` +
        ` (${after.processes} processes): ${kb(after.rss - before.rss)} KB RSS, ${kb(after.pss - before.pss)} KB PSS per connection`,
    );
  }
}

{
  const { before, samples, fastBytes, highWaterMark } = await slowMix();
  const last = samples.at(-1)!;
  const maxRss = Math.max(...samples.map((m) => m.rss));
  console.log(`\n4. rtmp-bridge, 500 connections streaming 5 Mbit/s each, 100 of them slow readers (read nothing), ${samples.length} s`);
  console.log(`   bridge RSS ${fmt(mb(before.rss))} MB idle → max ${fmt(mb(maxRss))} MB, last ${fmt(mb(last.rss))} MB`);
  console.log(`   slow connections with target reads paused: ${last.paused}/100; bytes buffered in the bridge: ${fmt(mb(last.buffered))} MB`);
  console.log(`   largest per-connection peak buffered to the client: ${fmt(last.peakBufferedToClient / 1024, 0)} KiB (high-water mark ${highWaterMark / 1024} KiB)`);
  console.log(`   the 400 normal readers received ${fmt(mb(fastBytes), 0)} MB (${fmt(mb(fastBytes) / samples.length, 1)} MB/s)`);
}

console.log(`\ndone in ${fmt((Date.now() - started) / 1000)} s; load average at the end: ${loads()}`);
