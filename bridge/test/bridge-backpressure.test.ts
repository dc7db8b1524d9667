/**
 * Backpressure on real loopback sockets. A target streams 5 Mbit/s to a
 * client that reads 1 KB/s: the bridge must stop reading the target and keep
 * under 2× its high-water mark buffered, while fast connections alongside
 * still finish their transfers. And the other way: a target that reads
 * 1 KB/s must pause the WebSocket. No timing assertions: only byte counts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/bridge-server.ts';
import { openWs, receiveAll, startBridge, startTcpTarget, TEST_ORIGIN, until, type TcpTarget } from './support/loopback.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function track<T extends TcpTarget>(t: T): T {
  cleanups.push(() => t.close());
  return t;
}

/** Writes `bytesPerTick` every 20 ms (5 Mbit/s for 12_500), waiting for 'drain' when the socket is full. */
function streamAtRate(socket: net.Socket, bytesPerTick: number): void {
  const chunk = randomBytes(bytesPerTick);
  let blocked = false;
  const timer = setInterval(() => {
    if (blocked || socket.destroyed) return;
    if (!socket.write(chunk)) {
      blocked = true;
      socket.once('drain', () => (blocked = false));
    }
  }, 20);
  socket.on('close', () => clearInterval(timer));
}

/**
 * A WebSocket client on a raw socket that reads 1 KB/s: it does the opening
 * handshake by hand, then pauses the socket and takes 100 bytes every 100 ms.
 * It never parses frames (it only counts bytes) and never answers pings.
 */
async function slowReader(port: number, query: string): Promise<{ read: () => number; socket: net.Socket }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `GET /?${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nOrigin: ${TEST_ORIGIN}\r\n\r\n`,
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  socket.pause();
  expect(head.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  let total = head.length;
  const timer = setInterval(() => {
    const got = socket.read(100) as Buffer | null;
    if (got) total += got.length;
  }, 100);
  socket.on('close', () => clearInterval(timer));
  cleanups.push(() => {
    clearInterval(timer);
    socket.destroy();
  });
  return { read: () => total, socket };
}

describe('backpressure', () => {
  it('a 1 KB/s reader of a 5 Mbit/s stream: TCP reads pause, under 2× the high-water mark buffered; fast connections finish', async () => {
    const highWaterMark = DEFAULT_LIMITS.highWaterMark;
    const stream = track(await startTcpTarget((socket) => streamAtRate(socket, 12_500)));
    const bulkPayload = randomBytes(8 * 1024 * 1024);
    const bulk = track(await startTcpTarget((socket) => socket.end(bulkPayload)));
    const b = await startBridge({ allow: [`127.0.0.1:${stream.port}`, `127.0.0.1:${bulk.port}`], highWaterMark, pingIntervalMs: 600_000 });
    cleanups.push(() => b.close());

    const slow = await slowReader(b.port, `host=127.0.0.1&port=${stream.port}`);
    const slowStats = () => b.bridge.stats().connections.find((c) => c.target.endsWith(`:${stream.port}`));

    // Fast connections alongside, started while the slow one is backing up.
    // Listen from the moment each opens: the target starts sending at once.
    const results = await Promise.all([1, 2, 3].map(() => openWs(b.url(`host=127.0.0.1&port=${bulk.port}`)).then(receiveAll)));
    const want = createHash('sha256').update(bulkPayload).digest('hex');
    for (const r of results) {
      expect(r.code).toBe(1000);
      expect(createHash('sha256').update(r.data).digest('hex')).toBe(want);
    }

    // The stream fills the kernel buffers first; then the bridge must pause the target.
    await until(() => slowStats()?.targetPaused === true, 'the bridge to pause reading the target');
    // Let it run paused for a while, with the reader still trickling.
    const sentWhenPaused = slowStats()!.bytesToClient;
    await new Promise((r) => setTimeout(r, 1000));
    const s = slowStats()!;
    expect(s.peakBufferedToClient).toBeGreaterThan(highWaterMark);
    expect(s.peakBufferedToClient).toBeLessThan(2 * highWaterMark);
    expect(s.bufferedToClient).toBeLessThan(2 * highWaterMark);
    // The target is held back: the bridge took (almost) nothing more from it.
    expect(s.bytesToClient - sentWhenPaused).toBeLessThan(highWaterMark);
    expect(slow.read()).toBeGreaterThan(0);
  });

  it('a target that reads 1 KB/s pauses the WebSocket: the TCP write buffer stays bounded', async () => {
    let received = 0;
    const target = track(
      await startTcpTarget((socket) => {
        socket.pause();
        const timer = setInterval(() => {
          const got = socket.read(100) as Buffer | null;
          if (got) received += got.length;
        }, 100);
        socket.on('close', () => clearInterval(timer));
      }),
    );
    const b = await startBridge({ allow: [`127.0.0.1:${target.port}`] });
    cleanups.push(() => b.close());
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    cleanups.push(() => ws.terminate());
    // The client sends 5 Mbit/s (12.5 KB every 20 ms) as long as its own socket takes it.
    const chunk = randomBytes(12_500);
    const timer = setInterval(() => {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < 1024 * 1024) ws.send(chunk);
    }, 20);
    cleanups.push(() => clearInterval(timer));
    await until(() => b.bridge.stats().connections[0]?.clientPaused === true, 'the bridge to pause the WebSocket');
    await new Promise((r) => setTimeout(r, 1000));
    const s = b.bridge.stats().connections[0]!;
    // Socket buffer (16 KiB) + the message that crossed it + the rest of one socket read (64 KiB).
    expect(s.peakBufferedToTarget).toBeLessThan(16 * 1024 + 12_500 + 64 * 1024 + 12_500);
    expect(s.clientPaused).toBe(true);
    expect(received).toBeGreaterThan(0);
  });
});
