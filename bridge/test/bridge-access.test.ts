/**
 * Who may connect: Origin allowlist, tokens, connection limits (global, per
 * IP, per forwarded IP behind a trusted proxy). All refused before the upgrade.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { mintToken } from '../src/token.ts';
import { openWs, refusal, startBridge, startEchoTarget, until, type TcpTarget, type TestBridge } from './support/loopback.ts';

const secret = 'a long enough test secret';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setup(extra: Parameters<typeof startBridge>[0] = {}): Promise<{ target: TcpTarget; b: TestBridge; q: string }> {
  const target = await startEchoTarget();
  cleanups.push(() => target.close());
  const b = await startBridge({ allow: [`127.0.0.1:${target.port}`], ...extra });
  cleanups.push(() => b.close());
  return { target, b, q: `host=127.0.0.1&port=${target.port}` };
}
async function closeAll(sockets: WebSocket[]) {
  for (const ws of sockets) {
    ws.close();
    await once(ws, 'close');
  }
}

describe('Origin', () => {
  it('by default allows pages on this machine and refuses others, and a missing Origin', async () => {
    const { target, b, q } = await setup();
    const ws = await openWs(b.url(q), { origin: 'http://127.0.0.1:8080' });
    await closeAll([ws]);
    expect((await refusal(b.url(q), { origin: 'https://evil.example' })).status).toBe(403);
    expect((await refusal(b.url(q), { origin: undefined as unknown as string })).status).toBe(403);
    expect(target.accepted).toBe(1);
  });

  it('with --origin, allows exactly those', async () => {
    const { target, b, q } = await setup({ origins: ['https://app.example.com'] });
    await closeAll([await openWs(b.url(q), { origin: 'https://app.example.com' })]);
    expect((await refusal(b.url(q), { origin: 'http://localhost:5173' })).status).toBe(403);
    expect((await refusal(b.url(q), { origin: 'https://app.example.com.evil.example' })).status).toBe(403);
    expect(target.accepted).toBe(1);
  });
});

describe('tokens', () => {
  it('refuses a missing, wrong, expired or other-target token before the upgrade; accepts a good one beside other parameters', async () => {
    const { target, b, q } = await setup({ tokenSecret: secret });
    const label = `127.0.0.1:${target.port}`;
    const bad = [
      '',
      '&token=',
      '&token=garbage',
      `&token=${mintToken({ secret: 'the wrong secret, long enough', ttlSeconds: 60 })}`,
      `&token=${mintToken({ secret, ttlSeconds: 60, now: Date.now() - 120_000 })}`,
      `&token=${mintToken({ secret, ttlSeconds: 60, target: `127.0.0.1:${target.port + 1}` })}`,
      `&token=${mintToken({ secret, ttlSeconds: 60 })}&token=${mintToken({ secret, ttlSeconds: 60 })}`,
    ];
    for (const extra of bad) {
      expect((await refusal(b.url(q + extra))).status, extra).toBe(403);
    }
    expect(target.accepted).toBe(0);
    const reasons = b.logs.map((l) => (l.event === 'refused' ? l.reason : l.event));
    expect(reasons).toEqual([...Array(bad.length - 1).fill('token'), 'bad-target']); // a repeated token is a malformed query

    const good = mintToken({ secret, ttlSeconds: 60, target: label });
    const ws = await openWs(b.url(`${q}&token=${good}&app=live&session=abc`));
    expect(target.accepted).toBe(1);
    await closeAll([ws]);
    expect(JSON.stringify(b.logs)).not.toContain(good);
  });

  it('checks the token before DNS: no lookup for an unauthenticated client', async () => {
    const lookups: string[] = [];
    const { b, target } = await setup({
      tokenSecret: secret,
      allow: ['live.example.com:1935'],
      lookup: async (h) => {
        lookups.push(h);
        return [{ address: '10.0.0.1', family: 4 }];
      },
    });
    expect((await refusal(b.url('host=live.example.com&port=1935'))).status).toBe(403);
    expect(lookups).toEqual([]);
    expect(target.accepted).toBe(0);
  });
});

describe('limits', () => {
  it('caps connections per client IP (429) and in total (503)', async () => {
    const { b, q } = await setup({ maxConnectionsPerIp: 2, maxConnections: 3 });
    const open = [await openWs(b.url(q)), await openWs(b.url(q))];
    expect((await refusal(b.url(q))).status).toBe(429);
    await closeAll(open.splice(0, 1));
    await until(() => b.bridge.stats().active === 1, 'release');
    open.push(await openWs(b.url(q)));
    await closeAll(open);
  });

  it('behind a trusted proxy, limits per X-Forwarded-For client; the global cap still holds', async () => {
    const { b, q } = await setup({ maxConnectionsPerIp: 1, maxConnections: 2, trustProxy: true });
    const xff = (ip: string) => ({ headers: { 'x-forwarded-for': `6.6.6.6, ${ip}` } });
    const a = await openWs(b.url(q), xff('198.51.101.1'));
    expect((await refusal(b.url(q), xff('198.51.101.1'))).status).toBe(429);
    const c = await openWs(b.url(q), xff('198.51.101.2'));
    expect((await refusal(b.url(q), xff('198.51.101.3'))).status).toBe(503);
    expect(b.bridge.stats().connections.map((s) => s.clientIp).sort()).toEqual(['198.51.101.1', '198.51.101.2']);
    await closeAll([a, c]);
  });

  it('refuses a request that is not a WebSocket upgrade with 400, without connecting', async () => {
    const { b, target } = await setup();
    const res = await fetch(`http://127.0.0.1:${b.port}/?host=127.0.0.1&port=${target.port}`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'short' },
    }).catch((e: unknown) => e);
    if (res instanceof Response) expect(res.status).toBe(400);
    expect(target.accepted).toBe(0);
  });
});
