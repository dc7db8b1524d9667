import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MessageType, RtmpErrorCode, decodeData } from '@rtmp-web/core';
import type { MuxedTag } from '../src/flv-muxer.ts';
import {
  MAX_CONNECT_ATTEMPTS,
  RECONNECT_BACKOFF,
  PublisherConnection,
  REFUSAL_WINDOW_MS,
  type PublisherConnectionError,
  type PublisherMedia,
} from '../src/publisher-connection.ts';
import type { ConnectionTarget, RtmpTransport } from '@rtmp-web/core';
import { answerHappily, type FakeConnection, FakeNetwork } from '../../rtmp-core/test/fake-network.ts';
import { FakeRtmpServer } from '../../rtmp-core/test/fake-server.ts';

/** Lets every microtask chain run out (setImmediate is left real). */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** Lets pending work run, advances the fake clock, and lets what that started run. */
async function advance(ms: number): Promise<void> {
  await flush();
  vi.advanceTimersByTime(ms);
  await flush();
}

const KEY = 'k3y-secret';
/** Longer than any backoff (500 ms base, 5 s cap). */
const BACKOFF_MAX = RECONNECT_BACKOFF.maxMs;

const tag = (typeId: 8 | 9, timestampMs: number, keyframe = false, header = false): MuxedTag => ({
  typeId,
  timestampMs,
  body: Uint8Array.of(typeId, keyframe ? 1 : 0, header ? 1 : 0, timestampMs & 0xff),
  keyframe,
  header,
  queuedAt: 0,
});

/** A publisher connection on a fake network, with a fake media side and every event recorded. */
function setUp(options: { hasVideo?: boolean; codecs?: PublisherMedia['codecs'] } = {}) {
  const net = new FakeNetwork();
  net.host('a.test:1935');
  // Every byte each transport was given, also those sent just before the client closed it (the fake server drops those).
  const wires: { address: string; bytes: Uint8Array[] }[] = [];
  const transport = (t: ConnectionTarget): RtmpTransport => {
    const inner = net.transport(t);
    const wire = { address: `${t.host}:${t.port}`, bytes: [] as Uint8Array[] };
    wires.push(wire);
    return {
      get bufferedAmount() {
        return inner.bufferedAmount;
      },
      open: (h) => inner.open(h),
      send: (b) => {
        wire.bytes.push(b.slice());
        inner.send(b);
      },
      close: () => inner.close(),
    };
  };
  /** What the client sent on its `index`th transport to `address`, decoded by a server of its own. */
  const sentTo = (address: string, index = 0): FakeRtmpServer['received'] => {
    const wire = wires.filter((w) => w.address === address)[index];
    const server = new FakeRtmpServer(() => {});
    for (const b of wire?.bytes ?? []) server.push(b);
    return server.received;
  };
  const calls: string[] = [];
  const media: PublisherMedia = {
    restart: () => calls.push('restart'),
    requestKeyframe: () => calls.push('keyframe'),
    metadata: () => ({ encoder: 'test', width: 640 }),
    sequenceHeaders: (ms) => [tag(9, ms, true, true), tag(8, ms, false, true)],
    hasVideo: options.hasVideo ?? true,
    codecs: options.codecs ?? { video: 'avc1', audio: 'mp4a' },
  };
  const states: string[] = [];
  const errors: PublisherConnectionError[] = [];
  const statuses: string[] = [];
  const pc = new PublisherConnection({
    connect: { url: 'rtmp://a.test/live', streamKey: KEY, bridge: 'ws://bridge.test/' },
    transport,
    media,
    handlers: {
      state: (s) => states.push(s),
      status: (code, _level, description) => statuses.push(`${code} ${description}`),
      error: (e) => errors.push(e),
    },
    now: () => Date.now(),
    connection: { random: () => 0.5, now: () => Date.now(), timeoutMs: 1000, clientOptions: { handshake: { random: (b) => b.fill(1) } } },
  });
  const connsTo = (address: string): FakeConnection[] => net.lookup(address)?.connections ?? [];
  return { net, pc, calls, states, errors, statuses, connsTo, sentTo };
}

/** What a server received, in order: commands by name, data by its first value, media as `v<ts>`/`a<ts>` (`k` keyframe, `h` header). */
function received(c: FakeConnection | FakeRtmpServer['received']): string[] {
  return (Array.isArray(c) ? c : c.server.received).flatMap((r) => {
    const m = r.message;
    if (r.command !== undefined) return [r.command.name];
    if (m.typeId === MessageType.DataAmf0) return [String(decodeData(m.payload).values[0])];
    if (m.typeId === MessageType.Audio || m.typeId === MessageType.Video) {
      const p = m.payload;
      return [`${m.typeId === 9 ? 'v' : 'a'}${m.timestamp}${p[1] === 1 ? 'k' : ''}${p[2] === 1 ? 'h' : ''}`];
    }
    return [];
  });
}

/** Media sent to a server, as {@link received} names it. */
const mediaAt = (c: FakeConnection) => received(c).filter((x) => /^[av]\d/.test(x) || x === 'onMetaData');

/** No message may carry the stream key. */
function expectNoKey(errors: PublisherConnectionError[], statuses: string[] = []): void {
  for (const e of errors) expect(e.message).not.toContain(KEY);
  for (const s of statuses) expect(s).not.toContain(KEY);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PublisherConnection: publishing', () => {
  it('publishes on ready (FMLE sequence, the key as the name), restarts the media with a keyframe, sends metadata first', async () => {
    const { pc, calls, states, errors, connsTo } = setUp();
    expect(pc.send(tag(9, 0, true))).toBe(false); // nothing to send on yet
    pc.start();
    await flush();
    expect(states).toEqual(['publishing']);
    expect(calls).toEqual(['restart', 'keyframe']);
    const a = connsTo('a.test:1935')[0]!;
    expect(a.server.commandNames()).toEqual(['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish']);
    expect(a.server.received.find((r) => r.command?.name === 'publish')?.command?.args).toEqual([KEY, 'live']);
    expect(pc.send(tag(9, 0, true))).toBe(true);
    expect(pc.send(tag(8, 10))).toBe(true);
    await flush();
    expect(mediaAt(a)).toEqual(['onMetaData', 'v0k', 'a10']);
    expect(pc.bytesSent).toBe(a.bytesFromClient);
    expect(errors).toEqual([]);
  });

  it('a drop: reconnecting, a non-fatal error, then a new connection publishes again from a keyframe; bytes across both', async () => {
    const { pc, net, calls, states, errors, connsTo } = setUp();
    pc.start();
    await advance(REFUSAL_WINDOW_MS + 1);
    pc.send(tag(9, 0, true));
    connsTo('a.test:1935')[0]!.drop();
    await flush();
    expect(states).toEqual(['publishing', 'reconnecting']);
    expect(errors).toMatchObject([{ code: RtmpErrorCode.TransportClosed, fatal: false }]);
    expect(pc.send(tag(9, 33))).toBe(false);
    await advance(BACKOFF_MAX);
    expect(states).toEqual(['publishing', 'reconnecting', 'publishing']);
    expect(calls).toEqual(['restart', 'keyframe', 'restart', 'keyframe']);
    expect(pc.reconnects).toBe(1);
    const second = connsTo('a.test:1935')[1]!;
    expect(second.server.commandNames()).toContain('publish');
    pc.send(tag(9, 66, true));
    await flush();
    expect(mediaAt(second)).toEqual(['onMetaData', 'v66k']);
    expect(pc.bytesSent).toBe(net.connections().reduce((n, c) => n + c.bytesFromClient, 0));
  });

  it(`gives up after ${MAX_CONNECT_ATTEMPTS} failed attempts: the fatal error carries the core code`, async () => {
    const { pc, net, errors, connsTo } = setUp();
    pc.start();
    await advance(REFUSAL_WINDOW_MS + 1);
    net.host('a.test:1935', 'unreachable');
    connsTo('a.test:1935')[0]!.drop();
    // Small steps: each refused attempt fails before its 1 s timeout could.
    for (let i = 0; i < (MAX_CONNECT_ATTEMPTS * BACKOFF_MAX) / 100; i++) await advance(100);
    const fatal = errors.filter((e) => e.fatal);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ code: RtmpErrorCode.TransportError });
    expect(fatal[0]!.message).toMatch(new RegExp(`gave up after ${MAX_CONNECT_ATTEMPTS} failed attempts`));
    expect(net.targets).toHaveLength(1 + MAX_CONNECT_ATTEMPTS);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('PublisherConnection: refusals, fatal at once', () => {
  it('the bridge refusing the target: BRIDGE_UNAVAILABLE, one error, one attempt', async () => {
    const { pc, net, errors, states } = setUp();
    net.host('a.test:1935', 'refuse');
    pc.start();
    await advance(60_000);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'BRIDGE_UNAVAILABLE', fatal: true });
    expect(net.targets).toHaveLength(1);
    expect(states).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a bad URL: URL_INVALID', async () => {
    const net = new FakeNetwork();
    const errors: PublisherConnectionError[] = [];
    const pc = new PublisherConnection({
      connect: { url: 'http://a.test/live', streamKey: KEY, bridge: 'ws://bridge.test/' },
      transport: net.transport,
      media: { restart() {}, requestKeyframe() {}, metadata: () => ({}), sequenceHeaders: () => [], hasVideo: true, codecs: { video: 'avc1', audio: null } },
      handlers: { state() {}, status() {}, error: (e) => errors.push(e) },
    });
    pc.start();
    await flush();
    expect(errors).toMatchObject([{ code: 'URL_INVALID', fatal: true }]);
    expect(net.targets).toHaveLength(0);
  });

  it('declares in connect the codecs it sends (CanEncode); a server that declares it does not take one: CODEC_UNSUPPORTED at once, no publish', async () => {
    const { pc, net, errors, connsTo, states } = setUp({ codecs: { video: 'av01', audio: 'Opus' } });
    net.host('a.test:1935', 'accept', (c, cmd, streamId) => {
      if (cmd.name !== 'connect') return answerHappily(c, cmd, streamId);
      c.server.acceptConnect(cmd.transactionId, 5_000_000, { videoFourCcInfoMap: { avc1: 4, hvc1: 4 }, audioFourCcInfoMap: { '*': 4 } });
    });
    pc.start();
    await flush();
    const a = connsTo('a.test:1935')[0]!;
    expect(a.connectCommand()!.commandObject).toMatchObject({ fourCcList: ['av01', 'Opus'], videoFourCcInfoMap: { av01: 2 }, audioFourCcInfoMap: { Opus: 2 } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'CODEC_UNSUPPORTED', fatal: true });
    expect(errors[0]!.message).toContain('"av01"');
    expect(a.server.commandNames()).not.toContain('publish');
    expect(states).toEqual([]);
    expect(net.targets).toHaveLength(1);
  });

  it('publishes to a server that declares it takes the codecs, or declares nothing', async () => {
    for (const declared of [{ videoFourCcInfoMap: { av01: 4 }, audioFourCcInfoMap: { Opus: 5 } }, {}]) {
      const { pc, net, errors, states } = setUp({ codecs: { video: 'av01', audio: 'Opus' } });
      net.host('a.test:1935', 'accept', (c, cmd, streamId) => {
        if (cmd.name !== 'connect') return answerHappily(c, cmd, streamId);
        c.server.acceptConnect(cmd.transactionId, 5_000_000, declared);
      });
      pc.start();
      await flush();
      expect(errors).toEqual([]);
      expect(states).toEqual(['publishing']);
      pc.stop();
    }
  });

  it('connect rejected: CONNECT_REJECTED with the server code, no retry, the key redacted', async () => {
    const { pc, net, errors, statuses } = setUp();
    net.host('a.test:1935', 'accept', (c, cmd, streamId) => {
      if (cmd.name !== 'connect') return answerHappily(c, cmd, streamId);
      c.server.sendCommand(0, '_error', cmd.transactionId, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: `bad key ${KEY}` });
    });
    pc.start();
    await advance(60_000);
    expect(errors).toMatchObject([{ code: RtmpErrorCode.ConnectRejected, status: 'NetConnection.Connect.Rejected', fatal: true }]);
    expect(net.targets).toHaveLength(1);
    expectNoKey(errors, statuses);
  });

  it('StreamFailed on publish (NetStream.Publish.BadName): PUBLISH_REFUSED with the status, the connection closed', async () => {
    const { pc, net, errors, states, statuses, connsTo } = setUp();
    net.host('a.test:1935', 'accept', (c, cmd, streamId) => {
      if (cmd.name !== 'publish') return answerHappily(c, cmd, streamId);
      c.server.sendStatus(streamId, 'error', 'NetStream.Publish.BadName', `${KEY} is already publishing`);
    });
    pc.start();
    await advance(60_000);
    expect(errors).toMatchObject([{ code: 'PUBLISH_REFUSED', status: 'NetStream.Publish.BadName', fatal: true }]);
    expect(errors[0]!.message).toContain('<stream key> is already publishing');
    expect(statuses).toEqual(['NetStream.Publish.BadName <stream key> is already publishing']);
    expect(states).toEqual([]);
    expect(connsTo('a.test:1935')[0]!.closedByClient).toBe(true);
    expect(net.targets).toHaveLength(1);
    expectNoKey(errors, statuses);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the server closing when asked to publish (nginx-rtmp, on_publish 403): PUBLISH_REFUSED', async () => {
    const { pc, net, errors } = setUp();
    net.host('a.test:1935', 'accept', (c, cmd, streamId) => {
      if (cmd.name !== 'publish') return answerHappily(c, cmd, streamId);
      c.drop();
    });
    pc.start();
    await advance(60_000);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'PUBLISH_REFUSED', fatal: true });
    expect(errors[0]!.message).toMatch(/when asked to publish/);
    expect(net.targets).toHaveLength(1);
  });

  it('the server closing right after Publish.Start (node-media-server, bad key): PUBLISH_REFUSED; later, a drop is retried', async () => {
    const early = setUp();
    early.pc.start();
    await advance(REFUSAL_WINDOW_MS - 100);
    early.connsTo('a.test:1935')[0]!.drop();
    await advance(60_000);
    expect(early.errors).toHaveLength(1);
    expect(early.errors[0]).toMatchObject({ code: 'PUBLISH_REFUSED', fatal: true });
    expect(early.errors[0]!.message).toMatch(/right after Publish.Start/);
    expect(early.net.targets).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('PublisherConnection: the reconnect request', () => {
  /** Publishing on a.test, past the refusal window, b.test listed. */
  async function publishing(options: { hasVideo?: boolean } = {}) {
    const t = setUp(options);
    t.net.host('b.test:1935');
    t.pc.start();
    await advance(REFUSAL_WINDOW_MS + 1);
    t.pc.send(tag(9, 0, true));
    t.calls.length = 0;
    return { ...t, a: t.connsTo('a.test:1935')[0]! };
  }

  it('publishes on the new server, asks for a keyframe, switches at it: metadata, headers, keyframe on the new one; the old unpublished and closed', async () => {
    const { pc, a, calls, states, errors, statuses, connsTo, sentTo } = await publishing();
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    const b = connsTo('b.test:1935')[0]!;
    expect(b.server.commandNames()).toEqual(['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish']);
    expect(calls).toEqual(['keyframe']); // no restart: the old connection's stream goes on
    // Until the keyframe, the old connection takes the media.
    pc.send(tag(9, 33));
    pc.send(tag(8, 40));
    await flush();
    expect(mediaAt(b)).toEqual([]);
    pc.send(tag(9, 66, true));
    pc.send(tag(8, 70));
    await flush();
    expect(mediaAt(a)).toEqual(['onMetaData', 'v0k', 'v33', 'a40']);
    expect(mediaAt(b)).toEqual(['onMetaData', 'v66kh', 'a66h', 'v66k', 'a70']);
    expect(received(sentTo('a.test:1935')).slice(-2)).toEqual(['FCUnpublish', 'deleteStream']);
    expect(a.closedByClient).toBe(true);
    expect(pc.conn.client).not.toBeNull();
    expect(pc.conn.stats.moves).toBe(1);
    expect(pc.moves).toBe(1);
    expect(states).toEqual(['publishing']);
    expect(errors).toEqual([]);
    expect(statuses.some((s) => s.startsWith('NetConnection.Connect.ReconnectRequest'))).toBe(true);
    // A drop of the new connection now is a plain drop, retried (no refusal window for it).
    b.drop();
    await flush();
    expect(states).toEqual(['publishing', 'reconnecting']);
    await advance(BACKOFF_MAX);
    expect(connsTo('b.test:1935')).toHaveLength(2);
    expect(states).toEqual(['publishing', 'reconnecting', 'publishing']);
  });

  it('audio only: switches at the next audio frame, no keyframe asked for', async () => {
    const { pc, a, calls, connsTo } = await publishing({ hasVideo: false });
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(calls).toEqual([]);
    pc.send(tag(8, 20));
    await flush();
    expect(mediaAt(connsTo('b.test:1935')[0]!)).toEqual(['onMetaData', 'v20kh', 'a20h', 'a20']);
    expect(a.closedByClient).toBe(true);
  });

  it('a target the bridge refuses: a non-fatal error, the media stays on the old connection', async () => {
    const { pc, a, net, states, errors } = await publishing();
    net.host('b.test:1935', 'refuse');
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ fatal: false });
    expect(errors[0]!.message).toMatch(/reconnect request's address failed, staying/);
    pc.send(tag(9, 66, true));
    await flush();
    expect(mediaAt(a)).toEqual(['onMetaData', 'v0k', 'v66k']);
    expect(a.closedByClient).toBe(false);
    expect(states).toEqual(['publishing']);
  });

  it('the new server refusing the publish: abandoned, a non-fatal PUBLISH_REFUSED, the old connection stays', async () => {
    const { pc, a, net, states, errors, statuses, connsTo } = await publishing();
    net.host('b.test:1935', 'accept', (c, cmd, streamId) => {
      if (cmd.name !== 'publish') return answerHappily(c, cmd, streamId);
      c.server.sendStatus(streamId, 'error', 'NetStream.Publish.BadName', `${KEY} taken`);
    });
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(errors).toMatchObject([{ code: 'PUBLISH_REFUSED', status: 'NetStream.Publish.BadName', fatal: false }]);
    expect(connsTo('b.test:1935')[0]!.closedByClient).toBe(true);
    pc.send(tag(9, 66, true));
    await flush();
    expect(mediaAt(a)).toEqual(['onMetaData', 'v0k', 'v66k']);
    expect(states).toEqual(['publishing']);
    expectNoKey(errors, statuses);
  });

  it('the old connection dropping before the keyframe: the new one takes the stream from a keyframe', async () => {
    const { pc, a, calls, states, connsTo } = await publishing();
    a.requestReconnect('rtmp://b.test/live');
    await flush();
    a.drop();
    await flush();
    expect(calls).toEqual(['keyframe', 'restart', 'keyframe']);
    expect(states).toEqual(['publishing']);
    pc.send(tag(9, 66, true));
    await flush();
    expect(mediaAt(connsTo('b.test:1935')[0]!)).toEqual(['onMetaData', 'v66k']);
  });
});

describe('PublisherConnection: stop()', () => {
  it('unpublishes and closes; no timer, no event after', async () => {
    const { pc, errors, states, connsTo, sentTo } = setUp();
    pc.start();
    await flush();
    pc.stop();
    const a = connsTo('a.test:1935')[0]!;
    await flush();
    expect(received(sentTo('a.test:1935')).slice(-2)).toEqual(['FCUnpublish', 'deleteStream']);
    expect(a.closedByClient).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(pc.send(tag(9, 0, true))).toBe(false);
    await advance(60_000);
    expect([states, errors]).toEqual([['publishing'], []]);
  });

  it('during a backoff, and with a move in flight: no timer left, nothing after', async () => {
    const { pc, net, errors, connsTo } = setUp();
    net.host('b.test:1935', 'hang');
    pc.start();
    await advance(REFUSAL_WINDOW_MS + 1);
    connsTo('a.test:1935')[0]!.requestReconnect('rtmp://b.test/live');
    await flush();
    pc.stop();
    expect(vi.getTimerCount()).toBe(0);

    const second = setUp();
    second.pc.start();
    await advance(REFUSAL_WINDOW_MS + 1);
    second.connsTo('a.test:1935')[0]!.drop();
    await flush();
    expect(vi.getTimerCount()).toBe(1); // the backoff
    second.pc.stop();
    expect(vi.getTimerCount()).toBe(0);
    await advance(60_000);
    expect(second.net.targets).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
