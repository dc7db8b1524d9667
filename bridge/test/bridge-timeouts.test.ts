/**
 * Timeouts and liveness: idle, ping/pong (dead peers are terminated),
 * handshake (a resolver that never answers), connect (a target that never
 * connects). Short timeouts; the assertions are on outcomes, not on time.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closed, openWs, refusal, startBridge, startEchoTarget, until, type TcpTarget, type TestBridge } from './support/loopback.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setup(extra: Parameters<typeof startBridge>[0]): Promise<{ target: TcpTarget; b: TestBridge }> {
  const target = await startEchoTarget();
  cleanups.push(() => target.close());
  const b = await startBridge({ allow: [`127.0.0.1:${target.port}`], ...extra });
  cleanups.push(() => b.close());
  return { target, b };
}

describe('timeouts', () => {
  it('closes an idle connection with 1001', async () => {
    const { target, b } = await setup({ idleTimeoutMs: 150 });
    const ws = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    expect((await closed(ws)).code).toBe(1001);
    await until(() => b.logs.length > 0);
    expect(b.logs[0]).toMatchObject({ closeReason: 'idle-timeout' });
  });

  it('terminates a client that stops answering pings; keeps one that answers', async () => {
    const { target, b } = await setup({ pingIntervalMs: 300 });
    const alive = await openWs(b.url(`host=127.0.0.1&port=${target.port}`));
    const dead = await openWs(b.url(`host=127.0.0.1&port=${target.port}`), { autoPong: false });
    expect((await closed(dead)).code).toBe(1006);
    await until(() => b.logs.length > 0);
    expect(b.logs[0]).toMatchObject({ closeReason: 'ping-timeout' });
    expect(alive.readyState).toBe(alive.OPEN);
    alive.close();
    await closed(alive);
  });

  it('refuses (403) when the resolver does not answer within the handshake timeout; nothing leaks', async () => {
    const { b } = await setup({
      allow: ['slow.example.com:1935'],
      handshakeTimeoutMs: 100,
      lookup: () => new Promise(() => {}),
    });
    expect((await refusal(b.url('host=slow.example.com&port=1935'))).status).toBe(403);
    expect(b.bridge.stats()).toMatchObject({ active: 0, pending: 0 });
  });

  it('answers 504 when the target does not connect in time, and destroys a socket that connects late', async () => {
    let late: net.Socket | undefined;
    const { target, b } = await setup({
      connectTimeoutMs: 100,
      // Ignores the abort for the connect itself, and resolves only after it: the bridge must drop it.
      connect: ({ signal }) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            const socket = net.connect(target.port, '127.0.0.1');
            late = socket;
            socket.once('connect', () => resolve(socket));
          });
        }),
    });
    expect((await refusal(b.url(`host=127.0.0.1&port=${target.port}`))).status).toBe(504);
    await until(() => late?.destroyed === true, 'the late socket to be destroyed');
    expect(b.bridge.stats()).toMatchObject({ active: 0, pending: 0 });
  });
});
