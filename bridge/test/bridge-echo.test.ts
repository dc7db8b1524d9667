/**
 * Bytes through the bridge, on real loopback sockets: order, a large random
 * transfer checked by hash, and the close rules (target EOF → flush then
 * 1000, client close → target sees EOF, target error → 1011).
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  closed,
  hasIpv6Loopback,
  openWs,
  receiveAll,
  startBridge,
  startEchoTarget,
  startTcpTarget,
  until,
  type TcpTarget,
  type TestBridge,
} from './support/loopback.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setup(target: TcpTarget, extra: Parameters<typeof startBridge>[0] = {}): Promise<TestBridge> {
  cleanups.push(() => target.close());
  const b = await startBridge({ allow: [`127.0.0.1:${target.port}`], ...extra });
  cleanups.push(() => b.close());
  return b;
}
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('echo through the bridge', () => {
  it('returns small messages in order, as binary frames', async () => {
    const target = await startEchoTarget();
    const b = await setup(target);
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    const sent: Buffer[] = [];
    for (let i = 0; i < 200; i++) sent.push(Buffer.from(`message ${i};`));
    const received: Buffer[] = [];
    let binary = true;
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      received.push(d);
      binary &&= isBinary;
    });
    for (const m of sent) ws.send(m);
    const want = Buffer.concat(sent);
    await until(() => Buffer.concat(received).length >= want.length, 'echo');
    expect(Buffer.concat(received).equals(want)).toBe(true);
    expect(binary).toBe(true);
    ws.close(1000);
    await closed(ws);
  });

  it('carries 20 MB of random bytes both ways, checked by hash', async () => {
    const target = await startEchoTarget();
    const b = await setup(target);
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    const payload = randomBytes(20 * 1024 * 1024);
    const hash = createHash('sha256');
    let received = 0;
    const done = new Promise<void>((resolve) =>
      ws.on('message', (d: Buffer) => {
        hash.update(d);
        received += d.length;
        if (received >= payload.length) resolve();
      }),
    );
    // Send in uneven pieces, waiting for each send callback so the test itself stays bounded in memory.
    for (let off = 0, i = 0; off < payload.length; i++) {
      const n = 1 + ((i * 7919) % (256 * 1024));
      await new Promise<void>((resolve, reject) => ws.send(payload.subarray(off, off + n), (e) => (e ? reject(e) : resolve())));
      off += n;
    }
    await done;
    expect(received).toBe(payload.length);
    expect(hash.digest('hex')).toBe(sha256(payload));
    const [conn] = b.bridge.stats().connections;
    expect(conn).toMatchObject({ bytesToTarget: payload.length, bytesToClient: payload.length });
    ws.close();
    await closed(ws);
  });

  it('on target EOF, flushes everything, then closes 1000; logs one line without the query', async () => {
    const tail = randomBytes(3 * 1024 * 1024);
    const target = await startTcpTarget((socket) => socket.end(tail));
    const b = await setup(target);
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}&token=SECRET123&key=live_stream_key`));
    const { data, code } = await receiveAll(ws);
    expect(code).toBe(1000);
    expect(sha256(data)).toBe(sha256(tail));
    await until(() => b.logs.some((l) => l.event === 'connection'), 'log line');
    const lines = b.logs.filter((l) => l.event === 'connection');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      target: `127.0.0.1:${target.port}`,
      address: '127.0.0.1',
      tls: false,
      bytesToClient: tail.length,
      bytesToTarget: 0,
      closeCode: 1000,
      closeReason: 'target-eof',
    });
    expect(typeof (lines[0] as { durationMs: number }).durationMs).toBe('number');
    const text = JSON.stringify(b.logs);
    expect(text).not.toContain('SECRET123');
    expect(text).not.toContain('live_stream_key');
  });

  it('delivers a download intact to a client that stalls now and then (sends queue, copy and give up the reused read buffer)', async () => {
    const payload = randomBytes(24 * 1024 * 1024);
    const target = await startTcpTarget((socket) => socket.end(payload));
    const b = await setup(target);
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    const hash = createHash('sha256');
    let received = 0;
    let nextStall = 1024 * 1024;
    ws.on('message', (d: Buffer) => {
      hash.update(d);
      received += d.length;
      if (received >= nextStall) {
        nextStall += 3 * 1024 * 1024;
        ws.pause(); // the bridge's writes to this client back up, then drain
        setTimeout(() => ws.resume(), 30);
      }
    });
    expect((await closed(ws)).code).toBe(1000);
    expect(received).toBe(payload.length);
    expect(hash.digest('hex')).toBe(sha256(payload));
  });

  it('on client close, ends the target connection (the target sees EOF after the last byte)', async () => {
    let got = Buffer.alloc(0);
    const ended = new Promise<void>((resolve) => {
      void startTcpTarget((socket) => {
        socket.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
        socket.on('end', () => resolve());
      }).then(async (target) => {
        const b = await setup(target);
        const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
        ws.send(Buffer.from('last words'));
        ws.close(1000);
      });
    });
    await ended;
    expect(got.toString()).toBe('last words');
  });

  it('on a target reset, closes 1011', async () => {
    const target = await startTcpTarget((socket) => setTimeout(() => socket.resetAndDestroy(), 20));
    const b = await setup(target);
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    expect((await closed(ws)).code).toBe(1011);
    await until(() => b.logs.some((l) => l.event === 'connection'));
    expect(b.logs.find((l) => l.event === 'connection')).toMatchObject({ closeReason: 'target-error', closeCode: 1011 });
  });

  it('serves /healthz and /metrics from a per-bridge registry', async () => {
    const target = await startEchoTarget();
    const b1 = await setup(target);
    const b2 = await setup(target);
    const ws = await openWs(b1.url(`host=127.0.0.1&port=${target.port}`));
    ws.send(Buffer.alloc(1000));
    await once(ws, 'message');
    const health = await fetch(`http://127.0.0.1:${b1.port}/healthz`);
    expect(health.status).toBe(200);
    const m1 = await (await fetch(`http://127.0.0.1:${b1.port}/metrics`)).text();
    const m2 = await (await fetch(`http://127.0.0.1:${b2.port}/metrics`)).text();
    expect(m1).toMatch(/rtmp_bridge_connections_active 1/);
    expect(m1).toMatch(/rtmp_bridge_upgrades_total\{result="accepted"\} 1/);
    expect(m1).toMatch(/rtmp_bridge_bytes_total\{direction="to_target"\} 1000/);
    expect(m2).toMatch(/rtmp_bridge_connections_active 0/);
    expect((await fetch(`http://127.0.0.1:${b1.port}/nope`)).status).toBe(404);
    ws.close();
    await closed(ws);
  });

  it('reaches an IPv6 loopback target through an [::1] entry', async (ctx) => {
    if (!(await hasIpv6Loopback())) ctx.skip();
    const target = await startEchoTarget('::1');
    cleanups.push(() => target.close());
    const b = await startBridge({ allow: [`[::1]:${target.port}`] });
    cleanups.push(() => b.close());
    const ws = await openWs(b.url(`host=${encodeURIComponent('[::1]')}&port=${target.port}`));
    ws.send(Buffer.from('six'));
    const [echo] = (await once(ws, 'message')) as [Buffer];
    expect(echo.toString()).toBe('six');
    ws.close();
    await closed(ws);
  });

  it('close() drains: waits for open connections, then closes them 1001', async () => {
    const target = await startEchoTarget();
    cleanups.push(() => target.close());
    const b = await startBridge({ allow: [`127.0.0.1:${target.port}`] });
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    const closing = b.bridge.close({ drainTimeoutMs: 200 });
    // While draining: no new connections (the listener is closed), open ones carry on.
    await expect(openWs(b.url(`host=127.0.0.1&port=${target.port}`))).rejects.toBeDefined();
    ws.send(Buffer.from('still here'));
    const [echo] = (await once(ws, 'message')) as [Buffer];
    expect(echo.toString()).toBe('still here');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect((await closed(ws)).code).toBe(1001);
    await closing;
  });
});
