/**
 * Bad frames from the client: text (1003), oversize (1009), and floods of
 * tiny fragments or tiny messages, which must not grow the bridge's memory.
 */
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { MAX_QUEUED_CHUNKS } from '../src/bridge-connection.ts';
import { closed, openWs, startBridge, startEchoTarget, startTcpTarget, until, type TcpTarget, type TestBridge } from './support/loopback.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setup(target: TcpTarget, extra: Parameters<typeof startBridge>[0] = {}): Promise<{ b: TestBridge; ws: WebSocket }> {
  cleanups.push(() => target.close());
  const b = await startBridge({ allow: [`127.0.0.1:${target.port}`], ...extra });
  cleanups.push(() => b.close());
  return { b, ws: await openWs(b.url(`host=127.0.0.1&port=${target.port}`)) };
}

/**
 * Sends until the socket closes, awaiting each send so the client side stays
 * small, and yielding to I/O now and then so the close frame gets read.
 * Returns how many were sent.
 */
async function flood(ws: WebSocket, send: (done: (e?: Error) => void) => void, max: number): Promise<number> {
  let sent = 0;
  while (sent < max && ws.readyState === ws.OPEN) {
    const ok = await new Promise<boolean>((resolve) => send((e) => resolve(e === undefined || e === null)));
    if (!ok) break;
    if (++sent % 64 === 0) await new Promise((r) => setImmediate(r));
  }
  return sent;
}

describe('bad frames', () => {
  it('a text frame closes 1003 and tears down the target connection', async () => {
    const target = await startEchoTarget();
    const { b, ws } = await setup(target);
    ws.send('hello');
    expect((await closed(ws)).code).toBe(1003);
    await until(() => b.logs.length > 0);
    expect(b.logs[0]).toMatchObject({ closeReason: 'text-frame', closeCode: 1003 });
  });

  it('a message over maxPayload closes 1009; one at maxPayload passes', async () => {
    const target = await startEchoTarget();
    const { ws } = await setup(target, { maxPayload: 64 * 1024 });
    ws.send(Buffer.alloc(64 * 1024));
    ws.send(Buffer.alloc(64 * 1024 + 1));
    expect((await closed(ws)).code).toBe(1009);
  });

  it('a flood of tiny fragments is cut off by the fragment cap (1008), nothing reaches the target', async () => {
    let received = 0;
    const target = await startTcpTarget((s) => s.on('data', (d: Buffer) => (received += d.length)));
    const { b, ws } = await setup(target, { maxFragments: 1000 });
    const closing = closed(ws);
    const sent = await flood(ws, (done) => ws.send(Buffer.of(1), { fin: false }, done), 200_000);
    expect((await closing).code).toBe(1008);
    expect(sent).toBeLessThan(20_000); // stopped long before the flood ended
    expect(received).toBe(0);
    await until(() => b.logs.length > 0);
    expect(b.logs[0]).toMatchObject({ closeReason: 'client-protocol-error', bytesToTarget: 0 });
  });

  it('empty fragments count too', async () => {
    const target = await startEchoTarget();
    const { ws } = await setup(target, { maxFragments: 100 });
    const closing = closed(ws);
    await flood(ws, (done) => ws.send(Buffer.alloc(0), { fin: false }, done), 200_000);
    expect((await closing).code).toBe(1008);
  });

  it('with a high fragment cap, maxPayload still bounds a fragmented message (1009)', async () => {
    const target = await startEchoTarget();
    const { ws } = await setup(target, { maxFragments: 1_000_000, maxPayload: 16 * 1024 });
    const closing = closed(ws);
    await flood(ws, (done) => ws.send(Buffer.of(1, 2, 3, 4), { fin: false }, done), 200_000);
    expect((await closing).code).toBe(1009);
  });

  it('a flood of tiny messages to a target that never finishes a write pauses the client: queued writes stay capped', async () => {
    // A fake target whose writes never complete but never report a full
    // buffer either: only the chunk cap can stop the bridge reading.
    const stalled = new Duplex({ writableHighWaterMark: 1 << 30, read() {}, write() {} });
    const target = await startTcpTarget(() => {});
    const { b, ws } = await setup(target, { connect: async () => stalled as net.Socket });
    for (let i = 0; i < 100_000; i++) ws.send(Buffer.of(i & 255)); // the client's socket buffers these
    await until(() => b.bridge.stats().connections[0]?.clientPaused === true, 'client paused');
    await new Promise((r) => setTimeout(r, 50));
    const s = b.bridge.stats().connections[0]!;
    // The cap, plus what ws had already parsed from the socket read in progress (7 wire bytes per message).
    expect(s.queuedToTarget).toBeGreaterThanOrEqual(MAX_QUEUED_CHUNKS);
    expect(s.queuedToTarget).toBeLessThanOrEqual(MAX_QUEUED_CHUNKS + Math.ceil(65536 / 7));
    expect(s.bytesToTarget).toBe(s.queuedToTarget);
    expect(target.accepted).toBe(0);
    ws.terminate();
  });
});
