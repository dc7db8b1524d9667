/**
 * The refusal table: every request below is refused with the same 403,
 * before the upgrade, and with zero outbound connection attempts, counted
 * twice: by the target server (accepted connections) and by a connect spy.
 * DNS is an injected resolver; nothing here leaves loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lookup } from '../src/allowlist.ts';
import { connectTarget, type ConnectTarget, type TargetConnectOptions } from '../src/target-connection.ts';
import { openWs, refusal, startBridge, startEchoTarget, until, type TcpTarget, type TestBridge } from './support/loopback.ts';
import { once } from 'node:events';

/** Public addresses, only ever handed to the connect spy, which never dials them. */
const PUBLIC_A = '203.0.114.7';
const PUBLIC_B = '198.51.101.9';

let target: TcpTarget;
let bridge: TestBridge;
const attempts: TargetConnectOptions[] = [];
const lookups: string[] = [];
let rebindCalls = 0;

const DNS: Record<string, string[]> = {
  'live.example.com': [PUBLIC_A],
  'private.example.com': ['10.0.0.5'],
  'loop.example.com': ['127.0.0.2'],
  'metadata.example.com': ['169.254.169.254'],
  'cgnat.example.com': ['100.64.0.1'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'v6loop.example.com': ['::1'],
  'ula.example.com': ['fd00::1'],
  'mixed.example.com': [PUBLIC_A, '10.0.0.1'],
  'zero.example.com': ['0.0.0.0'],
};

const lookup: Lookup = async (name) => {
  lookups.push(name);
  if (name === 'rebind.example.com') return [{ address: rebindCalls++ === 0 ? PUBLIC_B : '127.0.0.1', family: 4 }];
  const answers = DNS[name];
  if (answers === undefined) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

/** Counts every attempt; public addresses are redirected to the loopback echo target instead of dialled. */
const connectSpy: ConnectTarget = (options) => {
  attempts.push(options);
  const loopback = options.address.text === '127.0.0.1';
  return connectTarget(loopback ? options : { ...options, address: { family: 4, bytes: new Uint8Array([127, 0, 0, 1]), text: '127.0.0.1' }, port: target.port });
};

beforeAll(async () => {
  target = await startEchoTarget();
  const p = target.port;
  bridge = await startBridge({
    allow: [`127.0.0.1:${p}`, ...Object.keys(DNS).map((h) => `${h}:${p}`), `rebind.example.com:${p}`, `gone.example.com:${p}`],
    lookup,
    connect: connectSpy,
  });
});
afterAll(async () => {
  await bridge.close();
  await target.close();
});

describe('refusals', () => {
  const P = () => target.port;
  const table: [string, () => string][] = [
    ['the wrong host', () => `host=evil.example.com&port=${P()}`],
    ['the right host on the wrong port', () => `host=127.0.0.1&port=${P() + 1}`],
    ['a listed name on the wrong port', () => `host=live.example.com&port=${P() + 1}`],
    ['127.1', () => `host=127.1&port=${P()}`],
    ['127.0.1', () => `host=127.0.1&port=${P()}`],
    ['0x7f.0.0.1', () => `host=0x7f.0.0.1&port=${P()}`],
    ['0177.0.0.1', () => `host=0177.0.0.1&port=${P()}`],
    ['017700000001', () => `host=017700000001&port=${P()}`],
    ['2130706433', () => `host=2130706433&port=${P()}`],
    ['0x7f000001', () => `host=0x7f000001&port=${P()}`],
    ['127.0.0.1. (trailing dot)', () => `host=127.0.0.1.&port=${P()}`],
    ['[::1] (not listed)', () => `host=%5B%3A%3A1%5D&port=${P()}`],
    ['::1 unbracketed', () => `host=%3A%3A1&port=${P()}`],
    ['[0:0:0:0:0:0:0:1]', () => `host=${encodeURIComponent('[0:0:0:0:0:0:0:1]')}&port=${P()}`],
    ['[::ffff:127.0.0.1]', () => `host=${encodeURIComponent('[::ffff:127.0.0.1]')}&port=${P()}`],
    ['[::ffff:7f00:1] (canonical mapped)', () => `host=${encodeURIComponent('[::ffff:7f00:1]')}&port=${P()}`],
    ['[::127.0.0.1] (IPv4-compatible)', () => `host=${encodeURIComponent('[::127.0.0.1]')}&port=${P()}`],
    ['[::]', () => `host=${encodeURIComponent('[::]')}&port=${P()}`],
    ['0.0.0.0', () => `host=0.0.0.0&port=${P()}`],
    ['localhost (not listed)', () => `host=localhost&port=${P()}`],
    ['a name resolving to 10.0.0.5', () => `host=private.example.com&port=${P()}`],
    ['a name resolving to 127.0.0.2', () => `host=loop.example.com&port=${P()}`],
    ['a name resolving to 169.254.169.254', () => `host=metadata.example.com&port=${P()}`],
    ['a name resolving to CGNAT 100.64.0.1', () => `host=cgnat.example.com&port=${P()}`],
    ['a name resolving to ::ffff:127.0.0.1', () => `host=mapped.example.com&port=${P()}`],
    ['a name resolving to ::1', () => `host=v6loop.example.com&port=${P()}`],
    ['a name resolving to fd00::1', () => `host=ula.example.com&port=${P()}`],
    ['a name resolving to 0.0.0.0', () => `host=zero.example.com&port=${P()}`],
    ['a resolver answering public first, then private', () => `host=mixed.example.com&port=${P()}`],
    ['a listed name that does not resolve', () => `host=gone.example.com&port=${P()}`],
    ['a listed name with a trailing dot', () => `host=live.example.com.&port=${P()}`],
    ['no host', () => `port=${P()}`],
    ['no port', () => `host=127.0.0.1`],
    ['two hosts', () => `host=127.0.0.1&host=evil.example.com&port=${P()}`],
    ['two ports', () => `host=127.0.0.1&port=${P()}&port=${P()}`],
    ['port 0', () => `host=127.0.0.1&port=0`],
    ['port with a leading zero', () => `host=127.0.0.1&port=0${P()}`],
    ['tls=yes', () => `host=127.0.0.1&port=${P()}&tls=yes`],
    ['a host with a space', () => `host=127.0.0.1%20&port=${P()}`],
    ['a host with a NUL', () => `host=live.example.com%00.evil&port=${P()}`],
  ];

  it.each(table)('refuses %s: 403, no connection attempted', async (_name, query) => {
    const before = { accepted: target.accepted, attempts: attempts.length };
    const { status, body } = await refusal(bridge.url(query()));
    expect(status).toBe(403);
    expect(body).toBe('Forbidden\n');
    expect(attempts.length).toBe(before.attempts);
    expect(target.accepted).toBe(before.accepted);
  });

  it('looks identical to the client whatever the reason, and logs the real reason', () => {
    const reasons = new Set(bridge.logs.filter((l) => l.event === 'refused').map((l) => (l as { reason: string }).reason));
    expect([...reasons].sort()).toEqual(['address-forbidden', 'bad-target', 'dns-failed', 'non-canonical-ip', 'not-allowed']);
    expect(bridge.logs.every((l) => l.event !== 'refused' || l.status === 403)).toBe(true);
  });

  it('the allowed literal itself is reached (the table is not refusing everything)', async () => {
    const before = target.accepted;
    const ws = await openWs(bridge.url(`host=127.0.0.1&port=${P()}`));
    expect(target.accepted).toBe(before + 1);
    ws.close();
    await once(ws, 'close');
  });

  it('DNS rebinding: the name is resolved once and the checked address is the one connected to', async () => {
    lookups.length = 0;
    const before = attempts.length;
    const ws = await openWs(bridge.url(`host=rebind.example.com&port=${P()}`));
    expect(lookups).toEqual(['rebind.example.com']);
    expect(attempts.slice(before).map((a) => [a.address.text, a.port, a.servername])).toEqual([[PUBLIC_B, P(), 'rebind.example.com']]);
    ws.close();
    await once(ws, 'close');
  });

  it('an empty allowlist reaches nothing', async () => {
    const empty = await startBridge({ lookup, connect: connectSpy });
    const before = attempts.length;
    expect((await refusal(empty.url(`host=127.0.0.1&port=${P()}`))).status).toBe(403);
    expect((await refusal(empty.url(`host=live.example.com&port=${P()}`))).status).toBe(403);
    expect(attempts.length).toBe(before);
    await empty.close();
  });

  it('a target that refuses the connection is 502, after the check', async () => {
    const closedTarget = await startEchoTarget();
    const port = closedTarget.port;
    await closedTarget.close();
    const b = await startBridge({ allow: [`127.0.0.1:${port}`] });
    expect((await refusal(b.url(`host=127.0.0.1&port=${port}`))).status).toBe(502);
    await until(() => b.logs.length > 0);
    expect(b.logs[0]).toMatchObject({ event: 'refused', reason: 'connect-failed', status: 502 });
    await b.close();
  });
});
