import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  classifyConnectionError,
  ConnectionErrorKind,
  MAX_RECONNECT_REQUESTS,
  RtmpConnection,
  type RtmpConnectionEvents,
  type RtmpConnectionOptions,
} from '../../src/client/rtmp-connection.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import { CapsExMask } from '../../src/session/client-session.ts';
import { answerHappily, type FakeConnection, FakeNetwork } from '../fake-network.ts';
import { splitters } from '../split-delivery.ts';

/** Lets every microtask chain run out (setImmediate is left real). */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** Lets pending work run, advances the fake clock, and lets what that started run. */
async function advance(ms: number): Promise<void> {
  await flush();
  vi.advanceTimersByTime(ms);
  await flush();
}

const EVENT_TYPES = ['state', 'ready', 'lost', 'reconnect-request', 'report', 'failed'] as const;

/** A connection on a fake network, with every event recorded. */
function setUp(options: Partial<RtmpConnectionOptions> = {}, net = new FakeNetwork()) {
  net.host('a.test:1935');
  const conn = new RtmpConnection({
    url: 'rtmp://a.test/live/cam1',
    transport: net.transport,
    random: () => 0.5,
    now: () => Date.now(),
    timeoutMs: 1000,
    clientOptions: { handshake: { random: (b) => b.fill(1) } },
    ...options,
  });
  const events: { type: string; value: unknown }[] = [];
  for (const type of EVENT_TYPES) conn.on(type, (value) => events.push({ type, value }));
  const of = <K extends (typeof EVENT_TYPES)[number]>(type: K): RtmpConnectionEvents[K][] =>
    events.filter((e) => e.type === type).map((e) => e.value as RtmpConnectionEvents[K]);
  const connsTo = (address: string): FakeConnection[] => net.lookup(address)?.connections ?? [];
  return { net, conn, events, of, connsTo };
}

/** The backoff delays with random() = 0.5 and the defaults (250 ms base, 2 s cap): ¾ of min(2000, 250·2^n). */
const DELAY = [188, 375, 750, 1500, 1500];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RtmpConnection: connecting', () => {
  it('connects: state, then ready (first) with a connected client; capsEx Reconnect in connect', async () => {
    const { conn, of, connsTo } = setUp();
    conn.start();
    expect(conn.state).toBe('connecting');
    await flush();
    expect(conn.state).toBe('connected');
    expect(of('state')).toEqual(['connecting', 'connected']);
    const [ready] = of('ready');
    expect(ready?.reason).toBe('first');
    expect(ready?.url).toBe('rtmp://a.test/live/<redacted>');
    expect(ready?.client).toBe(conn.client);
    expect(ready?.client.session.state).toBe('connected');
    const connect = connsTo('a.test:1935')[0]!.connectCommand()!;
    expect(connect.commandObject).toMatchObject({ app: 'live', tcUrl: 'rtmp://a.test/live', capsEx: CapsExMask.Reconnect });
    // The owner plays on it, the stream name from the URL.
    await Promise.all([ready!.client.play(), flush()]);
    expect(connsTo('a.test:1935')[0]!.server.received.find((r) => r.command?.name === 'play')?.command?.args[0]).toBe('cam1');
    expect(conn.stats.connectMs).not.toBeNull();
    expect(of('report')).toEqual([]);
  });

  it('sends no capsEx when told not to, and then ignores reconnect requests', async () => {
    const { conn, net, of, connsTo } = setUp({ capsEx: 0 });
    net.host('b.test:1935');
    conn.start();
    await flush();
    expect(connsTo('a.test:1935')[0]!.connectCommand()!.commandObject).not.toHaveProperty('capsEx');
    connsTo('a.test:1935')[0]!.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(connsTo('b.test:1935')).toHaveLength(0);
    expect(of('reconnect-request')).toEqual([]);
  });

  it('counts bytes both ways across every client it had', async () => {
    const { conn, net, connsTo } = setUp();
    conn.start();
    await flush();
    connsTo('a.test:1935')[0]!.drop();
    await advance(DELAY[0]!);
    const all = () => net.connections();
    expect(all()).toHaveLength(2);
    expect(conn.stats.bytesReceived).toBe(all().reduce((n, c) => n + c.bytesToClient, 0));
    expect(conn.stats.bytesSent).toBe(all().reduce((n, c) => n + c.bytesFromClient, 0));
    expect(conn.stats.bytesReceived).toBeGreaterThan(3073 * 2); // two handshakes at least
    expect(conn.stats).toMatchObject({ attempts: 2, drops: 1, reconnects: 1, failedAttempts: 0 });
  });
});

describe('RtmpConnection: drops and retries', () => {
  it('reconnects after a drop with jittered backoff, reporting lost then ready (reconnected)', async () => {
    const { conn, net, of, connsTo } = setUp();
    conn.start();
    await flush();
    const first = conn.client!;
    connsTo('a.test:1935')[0]!.drop();
    await flush();
    expect(conn.state).toBe('reconnecting');
    expect(conn.client).toBeNull();
    const [lost] = of('lost');
    expect(lost?.client).toBe(first);
    expect(lost?.current).toBeNull();
    expect(lost?.error).toMatchObject({ kind: 'lost', code: RtmpErrorCode.TransportClosed, fatal: false });
    expect(of('report').map((r) => r.kind)).toEqual(['lost']);
    // No new attempt before the backoff runs out, one right after.
    await advance(DELAY[0]! - 1);
    expect(net.targets).toHaveLength(1);
    await advance(1);
    expect(net.targets).toHaveLength(2);
    expect(conn.state).toBe('connected');
    expect(of('ready').map((r) => r.reason)).toEqual(['first', 'reconnected']);
    expect(of('state')).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  it('backs off longer after each failed attempt, and starts over once connected again', async () => {
    const { conn, net, of, connsTo } = setUp();
    conn.start();
    await flush();
    net.host('a.test:1935', 'unreachable');
    connsTo('a.test:1935')[0]!.drop(new RtmpError(RtmpErrorCode.TransportError, 'bridge closed the connection (code 1006)'));
    await advance(DELAY[0]!); // attempt 1 fails
    for (const step of [1, 2, 3]) {
      await advance(DELAY[step]! - 1);
      expect(net.targets).toHaveLength(1 + step);
      await advance(1);
      expect(net.targets).toHaveLength(2 + step);
    }
    expect(of('report').map((r) => r.kind)).toEqual(['lost', 'attempt-failed', 'attempt-failed', 'attempt-failed', 'attempt-failed']);
    expect(conn.stats.failedAttempts).toBe(4);
    net.host('a.test:1935', 'accept');
    await advance(DELAY[4]!);
    expect(conn.state).toBe('connected');
    expect(conn.stats.failedAttempts).toBe(0);
    connsTo('a.test:1935')[1]!.drop();
    await advance(DELAY[0]!);
    expect(conn.state).toBe('connected');
  });

  it('retries a timed-out attempt, and a bridge refusal once it had been connected', async () => {
    const { conn, net, of, connsTo } = setUp();
    net.host('a.test:1935', 'silent');
    conn.start();
    await advance(1000);
    expect(of('report')).toMatchObject([{ kind: 'timeout', code: RtmpErrorCode.Timeout, fatal: false }]);
    expect(conn.state).toBe('connecting'); // never connected yet: still connecting
    net.host('a.test:1935', 'accept');
    await advance(DELAY[1]!);
    expect(conn.state).toBe('connected');
    net.host('a.test:1935', 'refuse');
    connsTo('a.test:1935')[1]!.drop();
    await advance(DELAY[0]!);
    expect(of('report').map((r) => r.kind)).toEqual(['timeout', 'lost', 'attempt-failed']);
    expect(conn.state).toBe('reconnecting');
  });

  it('drop(): the owner gives the current client up (a stall), and it goes as a drop', async () => {
    const { conn, net, of, connsTo } = setUp();
    expect(conn.drop()).toBe(false);
    conn.start();
    await flush();
    const first = conn.client!;
    expect(conn.drop(new RtmpError(RtmpErrorCode.TransportError, 'no data for 10 s', { fatal: false }))).toBe(true);
    expect(connsTo('a.test:1935')[0]!.closedByClient).toBe(true);
    expect(of('lost')).toMatchObject([{ client: first, current: null, error: { kind: 'lost', message: 'connection lost: no data for 10 s' } }]);
    await advance(DELAY[0]!);
    expect(net.targets).toHaveLength(2);
    expect(of('ready').map((r) => r.reason)).toEqual(['first', 'reconnected']);
  });

  it('gives up after maxAttempts failed attempts in a row (fatal, gave-up), with no timer left', async () => {
    const { conn, net, of, connsTo } = setUp({ maxAttempts: 3 });
    conn.start();
    await flush();
    net.host('a.test:1935', 'unreachable');
    connsTo('a.test:1935')[0]!.drop();
    await advance(DELAY[0]!);
    await advance(DELAY[1]!);
    await advance(DELAY[2]!);
    expect(net.targets).toHaveLength(4);
    expect(conn.state).toBe('failed');
    const [failed] = of('failed');
    expect(failed).toMatchObject({ kind: 'gave-up', fatal: true, code: RtmpErrorCode.TransportError });
    expect(failed?.message).toMatch(/gave up after 3 failed attempts in a row/);
    expect(vi.getTimerCount()).toBe(0);
    await advance(60_000);
    expect(net.targets).toHaveLength(4);
  });
});

describe('RtmpConnection: fatal at once', () => {
  it('a server that rejects connect (NetConnection.Connect.Rejected): failed, serverCode, no retry', async () => {
    const net = new FakeNetwork();
    const { conn, of } = setUp({}, net);
    net.host('a.test:1935', 'accept', (c, cmd, streamId) => {
      if (cmd.name !== 'connect') return answerHappily(c, cmd, streamId);
      c.server.sendCommand(0, '_error', cmd.transactionId, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: '[ AccessManager.Reject ] : [ authmod=adobe ]' });
    });
    conn.start();
    await flush();
    expect(conn.state).toBe('failed');
    expect(of('failed')).toMatchObject([{ kind: 'rejected', code: RtmpErrorCode.ConnectRejected, serverCode: 'NetConnection.Connect.Rejected', fatal: true }]);
    expect(of('report')).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    await advance(60_000);
    expect(net.targets).toHaveLength(1);
  });

  it('the bridge never opening on the first attempt: failed (transport-refused), no retry', async () => {
    const { conn, net, of } = setUp({ url: 'rtmp://not-allowed.test/live/cam1' });
    conn.start();
    await flush();
    expect(conn.state).toBe('failed');
    expect(of('failed')).toMatchObject([{ kind: 'transport-refused', code: RtmpErrorCode.TransportError, fatal: true }]);
    expect(of('ready')).toEqual([]);
    await advance(60_000);
    expect(net.targets).toHaveLength(1);
  });

  it('a transport factory that throws: failed (transport-refused)', async () => {
    const { conn, of } = setUp({
      transport: () => {
        throw new TypeError('bridge must be a ws:// or wss:// URL, got http:');
      },
    });
    conn.start();
    await flush();
    expect(of('failed')).toMatchObject([{ kind: 'transport-refused', fatal: true }]);
    expect(of('failed')[0]?.message).toMatch(/wss:\/\//);
  });

  it('a bad URL: failed (url-invalid) from start(), no transport made; options checked up front', () => {
    const { conn, net, of } = setUp({ url: 'http://a.test/live/cam1' });
    conn.start();
    expect(conn.state).toBe('failed');
    expect(of('failed')).toMatchObject([{ kind: 'url-invalid', code: RtmpErrorCode.UrlInvalid, fatal: true }]);
    expect(net.targets).toHaveLength(0);
    expect(() => conn.start()).toThrow(RtmpError);
    expect(() => new RtmpConnection({ url: 'rtmp://a/b', transport: 'x' as never })).toThrow(/options.transport/);
    expect(() => new RtmpConnection({ url: 'rtmp://a/b', transport: new FakeNetwork().transport, maxAttempts: 0 })).toThrow(/options.maxAttempts/);
  });

  it('not an RTMP server on the first connection: failed (protocol)', async () => {
    const { conn, net, of } = setUp();
    net.host('a.test:1935', 'garbage');
    conn.start();
    await flush();
    expect(of('failed')).toMatchObject([{ kind: 'protocol', code: RtmpErrorCode.HandshakeBadVersion, fatal: true }]);
  });
});

describe('RtmpConnection: close()', () => {
  it('during connecting (transport open never settles): closed, no timer, nothing after', async () => {
    const { conn, net, events } = setUp();
    net.host('a.test:1935', 'hang');
    conn.start();
    await flush();
    expect(vi.getTimerCount()).toBe(1); // the client's connect timeout
    conn.close();
    await flush();
    expect(conn.state).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);
    const before = events.length;
    await advance(60_000);
    expect(events.length).toBe(before);
    expect(events.map((e) => e.type)).toEqual(['state', 'state']);
    expect(net.targets).toHaveLength(1);
  });

  it('during the handshake: the client is closed, its timeout cleared', async () => {
    const { conn, net, connsTo } = setUp();
    net.host('a.test:1935', 'silent');
    conn.start();
    await flush();
    conn.close();
    expect(connsTo('a.test:1935')[0]!.closedByClient).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('during backoff: no attempt is ever made, no event after', async () => {
    const { conn, net, events, connsTo } = setUp();
    conn.start();
    await flush();
    connsTo('a.test:1935')[0]!.drop();
    await flush();
    expect(vi.getTimerCount()).toBe(1); // the backoff
    conn.close();
    expect(vi.getTimerCount()).toBe(0);
    const before = events.length;
    await advance(60_000);
    expect(net.targets).toHaveLength(1);
    expect(events.length).toBe(before);
    expect(conn.state).toBe('closed');
  });

  it('while connected with a move in flight: both clients closed', async () => {
    const { conn, net, connsTo } = setUp();
    net.host('b.test:1935', 'silent');
    conn.start();
    await flush();
    connsTo('a.test:1935')[0]!.requestReconnect('rtmp://b.test/live');
    await flush();
    conn.close();
    expect(connsTo('a.test:1935')[0]!.closedByClient).toBe(true);
    expect(connsTo('b.test:1935')[0]!.closedByClient).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('from a state listener inside start(): no attempt is made', () => {
    const { conn, net } = setUp();
    conn.on('state', (s) => s === 'connecting' && conn.close());
    conn.start();
    expect(conn.state).toBe('closed');
    expect(net.targets).toHaveLength(0);
  });
});

describe('RtmpConnection: the reconnect request', () => {
  /** Connected to a.test, playing; returns the fake connection to a.test. */
  async function connected(options: Partial<RtmpConnectionOptions> = {}) {
    const t = setUp(options);
    t.net.host('b.test:1935');
    t.conn.start();
    await flush();
    await t.conn.client!.play();
    return { ...t, a: t.connsTo('a.test:1935')[0]! };
  }

  it('absolute tcUrl: make before break; ready (moved) on b; commitMove closes a', async () => {
    const { conn, of, a, connsTo } = await connected();
    const old = conn.client!;
    a.requestReconnect('rtmp://b.test:1935/live', 'draining');
    await flush();
    expect(of('reconnect-request')).toEqual([{ url: 'rtmp://b.test:1935/live/<redacted>', description: 'draining' }]);
    const b = connsTo('b.test:1935')[0]!;
    expect(b.connectCommand()!.commandObject).toMatchObject({ tcUrl: 'rtmp://b.test:1935/live', app: 'live', capsEx: 1 });
    const moved = of('ready')[1]!;
    expect(moved.reason).toBe('moved');
    expect(moved.client).not.toBe(old);
    // Until the owner commits, the old client is current and still flowing.
    expect(conn.client).toBe(old);
    expect(a.closed).toBe(false);
    expect(conn.state).toBe('connected');
    await moved.client.play();
    expect(b.server.received.find((r) => r.command?.name === 'play')?.command?.args[0]).toBe('cam1');
    expect(conn.commitMove(old)).toBe(false);
    expect(conn.commitMove(moved.client)).toBe(true);
    expect(conn.client).toBe(moved.client);
    expect(a.closedByClient).toBe(true);
    expect(conn.stats.moves).toBe(1);
    expect(conn.url).toBe('rtmp://b.test:1935/live/<redacted>');
    expect(of('state')).toEqual(['connecting', 'connected']);
    expect(of('lost')).toEqual([]);
    expect(conn.commitMove(moved.client)).toBe(false);
  });

  it('relative tcUrls resolve against the current one: //host/app and /app', async () => {
    const { conn, of, a, connsTo } = await connected();
    a.requestReconnect('//b.test/live2');
    await flush();
    expect(connsTo('b.test:1935')[0]!.connectCommand()!.commandObject).toMatchObject({ tcUrl: 'rtmp://b.test/live2', app: 'live2' });
    conn.commitMove(of('ready')[1]!.client);
    connsTo('b.test:1935')[0]!.requestReconnect('/live3');
    await flush();
    expect(connsTo('b.test:1935')[1]!.connectCommand()!.commandObject).toMatchObject({ tcUrl: 'rtmp://b.test/live3', app: 'live3' });
    expect(of('ready').map((r) => r.reason)).toEqual(['first', 'moved', 'moved']);
  });

  it('no tcUrl: a new connection to the same server', async () => {
    const { of, a, connsTo } = await connected();
    a.requestReconnect();
    await flush();
    expect(connsTo('a.test:1935')).toHaveLength(2);
    expect(connsTo('a.test:1935')[1]!.connectCommand()!.commandObject).toMatchObject({ tcUrl: 'rtmp://a.test/live' });
    expect(of('ready')[1]?.reason).toBe('moved');
  });

  it('a target the bridge refuses: the old connection stays, a non-fatal report, no ready', async () => {
    const { conn, of, a } = await connected();
    const old = conn.client!;
    a.requestReconnect('rtmp://elsewhere.test/live');
    await flush();
    expect(of('report')).toMatchObject([{ kind: 'move-failed', fatal: false, code: RtmpErrorCode.TransportError }]);
    expect(of('ready')).toHaveLength(1);
    expect(of('lost')).toEqual([]);
    expect(conn.state).toBe('connected');
    expect(conn.client).toBe(old);
    expect(a.closed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a target that times out, one that rejects connect, an unusable tcUrl: reports, the old connection stays', async () => {
    const { conn, net, of, a } = await connected();
    const old = conn.client!;
    net.host('slow.test:1935', 'silent');
    a.requestReconnect('rtmp://slow.test/live');
    await advance(1000);
    net.host('no.test:1935', 'accept', (c, cmd) => {
      if (cmd.name === 'connect') c.server.sendCommand(0, '_error', cmd.transactionId, null, { level: 'error', code: 'NetConnection.Connect.Rejected' });
    });
    a.requestReconnect('rtmp://no.test/live');
    await flush();
    a.requestReconnect('http://b.test/live');
    a.requestReconnect(42);
    await flush();
    expect(of('report').map((r) => [r.kind, r.code, r.fatal])).toEqual([
      ['move-failed', RtmpErrorCode.Timeout, false],
      ['move-failed', RtmpErrorCode.ConnectRejected, false],
      ['move-failed', RtmpErrorCode.UrlInvalid, false],
      ['move-failed', RtmpErrorCode.UrlInvalid, false],
    ]);
    expect(of('report')[1]?.serverCode).toBe('NetConnection.Connect.Rejected');
    expect(conn.client).toBe(old);
    expect(conn.state).toBe('connected');
    expect(a.closed).toBe(false);
  });

  it('a request during reconnecting (a draining server answers connect with it): the next attempt goes to the new address', async () => {
    const { conn, net, of, a, connsTo } = await connected();
    // a.test now drains: every new connection is told to go to b.test, then closed.
    net.host('a.test:1935', 'accept', (c, cmd) => {
      if (cmd.name !== 'connect') return;
      c.requestReconnect('rtmp://b.test/live');
      queueMicrotask(() => queueMicrotask(() => c.drop()));
    });
    a.drop();
    await advance(DELAY[0]!);
    expect(of('reconnect-request').map((r) => r.url)).toEqual(['rtmp://b.test/live/<redacted>']);
    expect(conn.state).toBe('reconnecting');
    await advance(DELAY[1]!);
    expect(net.targets.map((t) => t.host)).toEqual(['a.test', 'a.test', 'b.test']);
    expect(conn.state).toBe('connected');
    expect(of('ready').map((r) => r.reason)).toEqual(['first', 'reconnected']);
    expect(conn.client).toBe(of('ready')[1]!.client);
    expect(connsTo('b.test:1935')).toHaveLength(1);
  });

  it('a requested address that fails while reconnecting gets one try, then attempts go back home', async () => {
    const { conn, net, of, a } = await connected();
    net.host('a.test:1935', 'accept', (c, cmd) => {
      if (cmd.name !== 'connect') return;
      c.requestReconnect('rtmp://gone.test/live');
      queueMicrotask(() => queueMicrotask(() => c.drop()));
    });
    a.drop();
    await advance(DELAY[0]!); // a: request, then dropped
    await advance(DELAY[1]!); // gone.test: refused by the bridge, not fatal
    expect(net.targets.map((t) => t.host)).toEqual(['a.test', 'a.test', 'gone.test']);
    expect(of('report').map((r) => r.kind)).toEqual(['lost', 'attempt-failed', 'move-failed']);
    net.host('a.test:1935', 'accept');
    await advance(DELAY[2]!);
    expect(net.targets.map((t) => t.host)).toEqual(['a.test', 'a.test', 'gone.test', 'a.test']);
    expect(conn.state).toBe('connected');
  });

  it('a second request while a move is in flight replaces it', async () => {
    const { conn, net, of, a, connsTo } = await connected();
    net.host('slow.test:1935', 'silent');
    net.host('c.test:1935');
    a.requestReconnect('rtmp://slow.test/live');
    await flush();
    a.requestReconnect('rtmp://c.test/live');
    await flush();
    expect(connsTo('slow.test:1935')[0]!.closedByClient).toBe(true);
    const moved = of('ready')[1]!;
    expect([moved.reason, moved.url]).toEqual(['moved', 'rtmp://c.test/live/<redacted>']);
    // A move already handed out is replaced too: lost for it, the current one stays.
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    const [lost] = of('lost');
    expect(lost?.client).toBe(moved.client);
    expect(lost?.current).toBe(conn.client);
    expect(lost?.error.kind).toBe(ConnectionErrorKind.MoveFailed);
    expect(connsTo('c.test:1935')[0]!.closedByClient).toBe(true);
    expect(conn.commitMove(moved.client)).toBe(false);
    const latest = of('ready')[2]!;
    expect(latest.url).toBe('rtmp://b.test/live/<redacted>');
    expect(conn.commitMove(latest.client)).toBe(true);
    expect(of('report')).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the old client dropping mid-move, the new one connected: it becomes current', async () => {
    const { conn, of, a, connsTo } = await connected();
    const old = conn.client!;
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    const moved = of('ready')[1]!;
    a.drop();
    await flush();
    expect(conn.state).toBe('connected');
    expect(conn.client).toBe(moved.client);
    const [lost] = of('lost');
    expect(lost?.client).toBe(old);
    expect(lost?.current).toBe(moved.client);
    expect(conn.commitMove(moved.client)).toBe(false); // already current
    expect(conn.stats.moves).toBe(1);
    expect(connsTo('b.test:1935')[0]!.closed).toBe(false);
    expect(of('state')).toEqual(['connecting', 'connected']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the old client dropping mid-move, the new one still connecting: it is the reconnect attempt', async () => {
    const { conn, net, of, a, connsTo } = await connected();
    let answerConnect = (): void => {};
    net.host('b.test:1935', 'accept', (c, cmd, streamId) => {
      if (cmd.name === 'connect') answerConnect = () => c.server.acceptConnect(cmd.transactionId);
      else answerHappily(c, cmd, streamId);
    });
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    a.drop();
    await flush();
    expect(conn.state).toBe('reconnecting');
    expect(of('lost')[0]?.current).toBeNull();
    answerConnect();
    await flush();
    expect(conn.state).toBe('connected');
    expect(of('ready').map((r) => r.reason)).toEqual(['first', 'reconnected']);
    expect(conn.client).toBe(of('ready')[1]!.client);
    expect(net.targets.map((t) => t.host)).toEqual(['a.test', 'b.test']); // no attempt to a.test in between
    expect(connsTo('b.test:1935')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the new client dropping before the commit: lost for it, the old one stays', async () => {
    const { conn, of, a, connsTo } = await connected();
    const old = conn.client!;
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    const moved = of('ready')[1]!;
    connsTo('b.test:1935')[0]!.drop();
    await flush();
    expect(of('lost')).toMatchObject([{ client: moved.client, current: old }]);
    expect(of('report').map((r) => r.kind)).toEqual(['move-failed']);
    expect(conn.client).toBe(old);
    expect(conn.commitMove(moved.client)).toBe(false);
  });

  it('abandonMove: the owner gives the new client up, the old one stays', async () => {
    const { conn, of, a, connsTo } = await connected();
    const old = conn.client!;
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(conn.abandonMove(old)).toBe(false);
    expect(conn.abandonMove(of('ready')[1]!.client)).toBe(true);
    expect(connsTo('b.test:1935')[0]!.closedByClient).toBe(true);
    expect(conn.client).toBe(old);
    expect(of('lost')).toEqual([]);
  });

  it(`follows at most ${MAX_RECONNECT_REQUESTS} requests a minute`, async () => {
    const { net, of, a } = await connected();
    net.host('b.test:1935', 'silent');
    for (let i = 0; i <= MAX_RECONNECT_REQUESTS; i++) a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(of('reconnect-request')).toHaveLength(MAX_RECONNECT_REQUESTS);
    expect(of('report')).toMatchObject([{ kind: 'move-failed', serverCode: 'NetConnection.Connect.ReconnectRequest' }]);
    await advance(60_000); // the window passes (the silent move times out meanwhile)
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(of('reconnect-request')).toHaveLength(MAX_RECONNECT_REQUESTS + 1);
  });
});

describe('RtmpConnection: one byte at a time', () => {
  it('connects, plays, moves, commits, drops and reconnects with every server byte delivered alone', async () => {
    const net = new FakeNetwork();
    net.split = splitters['one byte at a time']!;
    const { conn, of, connsTo } = setUp({}, net);
    net.host('b.test:1935');
    conn.start();
    await flush();
    const first = of('ready')[0]!;
    expect(first.reason).toBe('first');
    expect(await first.client.play()).toBe(1);
    connsTo('a.test:1935')[0]!.requestReconnect('//b.test/live');
    await flush();
    const moved = of('ready')[1]!;
    expect(moved.reason).toBe('moved');
    expect(await moved.client.play()).toBe(1);
    expect(conn.commitMove(moved.client)).toBe(true);
    connsTo('b.test:1935')[0]!.drop();
    await advance(DELAY[0]!);
    const again = of('ready')[2]!;
    expect(again.reason).toBe('reconnected');
    expect(net.targets.map((t) => t.host)).toEqual(['a.test', 'b.test', 'b.test']);
    expect(await again.client.play()).toBe(1);
    expect(conn.stats).toMatchObject({ moves: 1, drops: 1, reconnects: 1, attempts: 3 });
    expect(conn.stats.bytesReceived).toBe(net.connections().reduce((n, c) => n + c.bytesToClient, 0));
    expect(of('report').map((r) => r.kind)).toEqual(['lost']);
    conn.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('classifyConnectionError', () => {
  const attempt = { phase: 'attempt', everConnected: false } as const;
  const again = { phase: 'attempt', everConnected: true } as const;
  const cases: [string, unknown, typeof attempt | typeof again | { phase: 'connected' | 'move'; everConnected: boolean }, string, boolean][] = [
    ['bad URL', new RtmpError(RtmpErrorCode.UrlInvalid, 'x'), attempt, 'url-invalid', true],
    ['connect _error', new RtmpError(RtmpErrorCode.ConnectRejected, 'x', { details: { code: 'NetConnection.Connect.Rejected' } }), again, 'rejected', true],
    ['Connect.Rejected after connecting', new RtmpError(RtmpErrorCode.TransportClosed, 'x', { details: { code: 'NetConnection.Connect.Rejected' } }), { phase: 'connected', everConnected: true }, 'rejected', true],
    ['bridge never opened, first time', new RtmpError(RtmpErrorCode.TransportError, 'x', { details: { opened: false } }), attempt, 'transport-refused', true],
    ['bridge never opened, after connecting', new RtmpError(RtmpErrorCode.TransportError, 'x', { details: { opened: false } }), again, 'attempt-failed', false],
    ['TCP refused, first time', new RtmpError(RtmpErrorCode.TransportError, 'ECONNREFUSED'), attempt, 'attempt-failed', false],
    ['timeout', new RtmpError(RtmpErrorCode.Timeout, 'x'), attempt, 'timeout', false],
    ['garbage, first time', new RtmpError(RtmpErrorCode.HandshakeBadVersion, 'x'), attempt, 'protocol', true],
    ['garbage on a re-attempt', new RtmpError(RtmpErrorCode.HandshakeBadVersion, 'x'), again, 'attempt-failed', false],
    ['a drop', new RtmpError(RtmpErrorCode.TransportClosed, 'x', { details: { code: 'NetConnection.Connect.AppShutdown' } }), { phase: 'connected', everConnected: true }, 'lost', false],
    ['a move target rejecting', new RtmpError(RtmpErrorCode.ConnectRejected, 'x'), { phase: 'move', everConnected: true }, 'move-failed', false],
    ['not an RtmpError', new Error('boom'), again, 'attempt-failed', false],
  ];
  for (const [what, error, context, kind, fatal] of cases) {
    it(`${what}: ${kind}, ${fatal ? 'fatal' : 'retried'}`, () => {
      const info = classifyConnectionError(error, context);
      expect([info.kind, info.fatal]).toEqual([kind, fatal]);
    });
  }

  it('carries the server code as it came', () => {
    const info = classifyConnectionError(new RtmpError(RtmpErrorCode.TransportClosed, 'x', { details: { code: 'NetConnection.Connect.AppShutdown' } }), {
      phase: 'connected',
      everConnected: true,
    });
    expect(info.serverCode).toBe('NetConnection.Connect.AppShutdown');
    expect(info.code).toBe(RtmpErrorCode.TransportClosed);
    expect(Object.keys(classifyConnectionError(new RtmpError(RtmpErrorCode.Timeout, 'x'), attempt))).not.toContain('serverCode');
  });
});
