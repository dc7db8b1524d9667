/**
 * Bridge benchmark: `npm run bench:bridge`. Not a test: it prints numbers.
 *
 * Everything runs on loopback. The bridge runs in a child process of its own
 * (bridge-process.ts), so its RSS is the bridge's alone; clients and targets
 * run here. Reports:
 *  1. throughput through the bridge as a ratio of direct TCP, both directions;
 *  2. added latency, p50 and p99, of small ping-pong messages (bridge − direct);
 *  3. bridge RSS per 1000 idle connections;
 *  4. bridge RSS with 500 streaming connections, 100 of them slow readers.
 * Bounded: a watchdog ends the run after 110 s.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { BridgeOptions } from '../src/index.ts';

const ORIGIN = 'http://localhost';
const MB = 1024 * 1024;
const THROUGHPUT_BYTES = 256 * MB;
const LATENCY_ROUNDS = 2000;

const watchdog = setTimeout(() => {
  console.error('bench-bridge: watchdog: took over 110 s, giving up');
  process.exit(1);
}, 110_000);
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

async function startBridgeProcess(options: BridgeOptions): Promise<{ port: number; measure: () => Promise<Measure>; close: () => Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./bridge-process.ts', import.meta.url)), [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return {
    port: ready.port,
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

async function throughput(bridgePort: number, t: Targets): Promise<Record<'directDown' | 'bridgeDown' | 'directUp' | 'bridgeUp', number>> {
  const directDown = await (async () => {
    const start = process.hrtime.bigint();
    const s = net.connect(t.source.port, '127.0.0.1');
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    await once(s, 'end');
    if (got !== THROUGHPUT_BYTES) throw new Error(`direct download got ${got}`);
    return mbps(got, seconds(start));
  })();
  const bridgeDown = await (async () => {
    const start = process.hrtime.bigint();
    const ws = await openWs(bridgePort, `host=127.0.0.1&port=${t.source.port}`);
    let got = 0;
    ws.on('message', (d: Buffer) => (got += d.length));
    await once(ws, 'close');
    if (got !== THROUGHPUT_BYTES) throw new Error(`bridge download got ${got}`);
    return mbps(got, seconds(start));
  })();
  const directUp = await (async () => {
    const finished = new Promise<void>((r) => (t.sinkDone.current = r));
    const start = process.hrtime.bigint();
    const s = net.connect(t.sink.port, '127.0.0.1');
    await once(s, 'connect');
    pump((b) => s.write(b), (f) => s.once('drain', f), THROUGHPUT_BYTES, () => {});
    await finished;
    s.destroy();
    return mbps(THROUGHPUT_BYTES, seconds(start));
  })();
  const bridgeUp = await (async () => {
    const finished = new Promise<void>((r) => (t.sinkDone.current = r));
    const start = process.hrtime.bigint();
    const ws = await openWs(bridgePort, `host=127.0.0.1&port=${t.sink.port}`);
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
  })();
  return { directDown, bridgeDown, directUp, bridgeUp };
}

async function latency(bridgePort: number, t: Targets): Promise<{ direct: number[]; bridge: number[] }> {
  const message = Buffer.alloc(32, 1);
  const direct: number[] = [];
  const s = net.connect(t.echo.port, '127.0.0.1');
  s.setNoDelay(true);
  await once(s, 'connect');
  for (let i = 0; i < LATENCY_ROUNDS + 200; i++) {
    const start = process.hrtime.bigint();
    s.write(message);
    let got = 0;
    while (got < message.length) got += ((await once(s, 'data')) as [Buffer])[0].length;
    if (i >= 200) direct.push(seconds(start) * 1e6);
  }
  s.destroy();

  const bridge: number[] = [];
  const ws = await openWs(bridgePort, `host=127.0.0.1&port=${t.echo.port}`);
  for (let i = 0; i < LATENCY_ROUNDS + 200; i++) {
    const start = process.hrtime.bigint();
    ws.send(message);
    let got = 0;
    while (got < message.length) got += ((await once(ws, 'message')) as [Buffer])[0].length;
    if (i >= 200) bridge.push(seconds(start) * 1e6);
  }
  ws.terminate();
  return { direct: direct.sort((a, b) => a - b), bridge: bridge.sort((a, b) => a - b) };
}

// ---------------------------------------------------------------------------
// 3. idle connections

async function idleRss(): Promise<{ before: Measure; after: Measure; count: number }> {
  const count = 1000;
  const idle = await tcpServer(() => {});
  const b = await startBridgeProcess({ allow: [`127.0.0.1:${idle.port}`], maxConnections: 5000, maxConnectionsPerIp: 5000 });
  const before = await b.measure();
  const clients: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    clients.push(...(await Promise.all(Array.from({ length: 100 }, () => openWs(b.port, `host=127.0.0.1&port=${idle.port}`)))));
  }
  const after = await b.measure();
  for (const ws of clients) ws.terminate();
  idle.close();
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

const started = Date.now();
const mb = (bytes: number) => bytes / MB;
console.log(`bench-bridge: node ${process.version}, ${THROUGHPUT_BYTES / MB} MB per throughput run, loopback;`);
console.log('the bridge runs in a child process of its own; clients and targets run in this one.\n');

{
  const targets = await startTargets();
  const b = await startBridgeProcess({ allow: [targets.source, targets.sink, targets.echo].map((x) => `127.0.0.1:${x.port}`) });
  const tp = await throughput(b.port, targets);
  console.log('1. throughput (MB/s)          direct TCP   through bridge   ratio');
  console.log(`   target → client (download)  ${fmt(tp.directDown, 0).padStart(9)}   ${fmt(tp.bridgeDown, 0).padStart(14)}   ${fmt(tp.bridgeDown / tp.directDown, 2)}`);
  console.log(`   client → target (upload)    ${fmt(tp.directUp, 0).padStart(9)}   ${fmt(tp.bridgeUp, 0).padStart(14)}   ${fmt(tp.bridgeUp / tp.directUp, 2)}`);

  const lat = await latency(b.port, targets);
  const [d50, d99, b50, b99] = [percentile(lat.direct, 50), percentile(lat.direct, 99), percentile(lat.bridge, 50), percentile(lat.bridge, 99)];
  console.log(`\n2. round trip of 32-byte messages, ${LATENCY_ROUNDS} rounds (µs)   p50      p99`);
  console.log(`   direct TCP                                ${fmt(d50).padStart(7)}  ${fmt(d99).padStart(7)}`);
  console.log(`   through the bridge                        ${fmt(b50).padStart(7)}  ${fmt(b99).padStart(7)}`);
  console.log(`   added by the bridge                       ${fmt(b50 - d50).padStart(7)}  ${fmt(b99 - d99).padStart(7)}`);
  await b.close();
  targets.source.close();
  targets.sink.close();
  targets.echo.close();
}

{
  const { before, after, count } = await idleRss();
  console.log(`\n3. idle connections: ${after.active} open`);
  console.log(`   bridge RSS ${fmt(mb(before.rss))} MB → ${fmt(mb(after.rss))} MB: ${fmt(mb(after.rss - before.rss) * (1000 / count))} MB per 1000 idle connections`);
  console.log(`   (heap ${fmt(mb(before.heapUsed))} MB → ${fmt(mb(after.heapUsed))} MB)`);
}

{
  const { before, samples, fastBytes, highWaterMark } = await slowMix();
  const last = samples.at(-1)!;
  const maxRss = Math.max(...samples.map((m) => m.rss));
  console.log(`\n4. 500 connections streaming 5 Mbit/s each, 100 of them slow readers (read nothing), ${samples.length} s`);
  console.log(`   bridge RSS ${fmt(mb(before.rss))} MB idle → max ${fmt(mb(maxRss))} MB, last ${fmt(mb(last.rss))} MB`);
  console.log(`   slow connections with target reads paused: ${last.paused}/100; bytes buffered in the bridge: ${fmt(mb(last.buffered))} MB`);
  console.log(`   largest per-connection peak buffered to the client: ${fmt(last.peakBufferedToClient / 1024, 0)} KiB (high-water mark ${highWaterMark / 1024} KiB)`);
  console.log(`   the 400 normal readers received ${fmt(mb(fastBytes), 0)} MB (${fmt(mb(fastBytes) / samples.length, 1)} MB/s)`);
}

console.log(`\ndone in ${fmt((Date.now() - started) / 1000)} s`);
