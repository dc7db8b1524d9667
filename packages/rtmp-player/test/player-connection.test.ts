/**
 * PlayerConnection on the core's fake network: the hooks' calls, in order,
 * for the first start (and node-media-server's GOP burst in the same read as
 * Play.Start), drops and stalls, a first start that fails, StreamNotFound,
 * Enhanced RTMP's reconnect request (make before break), close() at any
 * point, and the happy path with every server byte delivered alone.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MessageType,
  RtmpErrorCode,
  UserControlEvent,
  encodeCommand,
  encodeData,
  encodeUserControl,
  type RtmpMessage,
} from '@rtmp-web/core';
import { PlayerConnection, type PlayerConnectionHooks, type PlayerConnectionOptions } from '../src/player-connection.ts';
import { PlayerErrorCode } from '../src/player-errors.ts';
import type { PlayerErrorInfo } from '../src/worker-protocol.ts';
import { answerHappily, type FakeConnection, FakeNetwork } from '../../rtmp-core/test/fake-network.ts';
import { splitters } from '../../rtmp-core/test/split-delivery.ts';

/** Lets every microtask chain run out (setImmediate is left real). */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** Lets pending work run, advances the fake clock, and lets what that started run. */
async function advance(ms: number): Promise<void> {
  await flush();
  vi.advanceTimersByTime(ms);
  await flush();
}

/** Longer than any backoff (250 ms base, 2 s cap, full jitter). */
const BACKOFF_MAX = 2000;
/** PlayerConnection's attempt and request timeout. */
const TIMEOUT_MS = 10_000;

const A = 'a.test:1935';
/** The reconnect request's status, passed on from the playing client. */
const REQ = 'status NetConnection.Connect.ReconnectRequest';
const B = 'b.test:1935';

type Msg = Omit<RtmpMessage, 'csid'> & { csid: number };

/** A media message from server `host` (its payload names the host and `flag`: `h` sequence header, `k` keyframe). */
const media = (host: string, typeId: 8 | 9, timestamp: number, flag = ''): Msg => ({
  csid: typeId === 9 ? 6 : 4,
  typeId,
  streamId: 1,
  timestamp,
  payload: new TextEncoder().encode(`${host}${flag}`),
});

const status = (code: string, level = 'status'): Msg => ({
  csid: 5,
  typeId: MessageType.CommandAmf0,
  streamId: 1,
  timestamp: 0,
  payload: encodeCommand({ name: 'onStatus', transactionId: 0, commandObject: null, args: [{ level, code, description: code }] }),
});

const streamBegin = (): Msg => ({ csid: 2, typeId: MessageType.UserControl, streamId: 0, timestamp: 0, payload: encodeUserControl(UserControlEvent.StreamBegin, 1) });
const streamEof = (): Msg => ({ csid: 2, typeId: MessageType.UserControl, streamId: 0, timestamp: 0, payload: encodeUserControl(UserControlEvent.StreamEOF, 1) });
const metadata = (host: string): Msg => ({
  csid: 5,
  typeId: MessageType.DataAmf0,
  streamId: 1,
  timestamp: 0,
  payload: encodeData({ name: 'onMetaData', values: [{ server: host }] }),
});

/** What node-media-server sends from its GOP cache right behind Play.Start: metadata, sequence headers, the keyframe and the frames after it. */
const gop = (host: string, t: number): Msg[] => [
  metadata(host),
  media(host, 9, t, 'h'),
  media(host, 8, t, 'h'),
  media(host, 9, t, 'k'),
  media(host, 8, t + 10),
  media(host, 9, t + 33),
];

/** The log lines {@link gop} gives. */
const gopLog = (host: string, t: number): string[] => [
  'data onMetaData',
  `media ${host}:v${t}h`,
  `media ${host}:a${t}h`,
  `media ${host}:v${t}k`,
  `media ${host}:a${t + 10}`,
  `media ${host}:v${t + 33}`,
];

/** Sends `messages` in ONE delivery (one read, unless the network's splitter cuts it). */
function burst(conn: FakeConnection, messages: Msg[]): void {
  const parts = messages.map((m) => conn.server.writer.write(m));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  conn.sendRaw(out);
}

/** A server script: connect and createStream as usual; `play` answered by `onPlay` (default: StreamBegin, Play.Reset, Play.Start and the GOP in one read). */
function player(host: string, onPlay: (conn: FakeConnection) => void = (c) => burst(c, [streamBegin(), status('NetStream.Play.Reset'), status('NetStream.Play.Start'), ...gop(host, 0)])) {
  return (conn: FakeConnection, c: Parameters<typeof answerHappily>[1], streamId: number): void => {
    if (c.name === 'play') onPlay(conn);
    else answerHappily(conn, c, streamId);
  };
}

/** Play.Reset and Play.Start, no media yet. */
const startOnly = (conn: FakeConnection): void => burst(conn, [streamBegin(), status('NetStream.Play.Reset'), status('NetStream.Play.Start')]);

/** A PlayerConnection on a fake network (a.test plays), every hook call logged in order. */
function setUp(src = 'rtmp://a.test/live/cam1', net = new FakeNetwork(), options: Partial<PlayerConnectionOptions> = {}) {
  if (net.lookup(A) === undefined) net.host(A, 'accept', player('a'));
  const log: string[] = [];
  const infos: { hook: 'lost' | 'report' | 'failed'; info: PlayerErrorInfo }[] = [];
  let bytes = 0;
  let bytesCalls = 0;
  const err = (hook: 'lost' | 'report' | 'failed') => (info: PlayerErrorInfo) => {
    infos.push({ hook, info });
    log.push(`${hook} ${info.code}${info.fatal ? ' fatal' : ''}`);
  };
  const hooks: PlayerConnectionHooks = {
    connected: () => log.push('connected'),
    started: (reason) => log.push(`started ${reason}`),
    media: (typeId, timestamp, payload) => log.push(`media ${new TextDecoder().decode(payload).replace(/^(\w)/, `$1:${typeId === 9 ? 'v' : 'a'}${timestamp}`)}`),
    status: (s) => log.push(`status ${s.code}`),
    data: (name) => log.push(`data ${name}`),
    streamEnded: () => log.push('streamEnded'),
    bytes: (n) => {
      bytes += n;
      bytesCalls++;
    },
    lost: err('lost'),
    report: err('report'),
    failed: err('failed'),
  };
  const pc = new PlayerConnection({ src, bridge: 'ws://bridge.test/', bufferMs: () => 500, transport: net.transport, ...options }, hooks);
  const connsTo = (address: string): FakeConnection[] => net.lookup(address)?.connections ?? [];
  /** Everything any hook got so far (bytes included), to compare before and after. */
  const snapshot = () => ({ log: [...log], bytesCalls });
  return { net, pc, log, infos, connsTo, snapshot, bytes: () => bytes };
}

/** Nothing more happens, however long we wait, and no timer is left. */
async function expectQuiet(t: ReturnType<typeof setUp>): Promise<void> {
  expect(vi.getTimerCount()).toBe(0);
  const before = t.snapshot();
  for (const c of t.net.connections()) if (!c.closed) burst(c, gop('x', 1000));
  await advance(60_000);
  expect(t.snapshot()).toEqual(before);
  expect(vi.getTimerCount()).toBe(0);
}

/** Playing from a.test (b.test listed, plays with Play.Start only), the log cleared. */
async function playing(bOnPlay: (conn: FakeConnection) => void = startOnly) {
  const t = setUp();
  t.net.host(B, 'accept', player('b', bOnPlay));
  t.pc.start();
  await flush();
  expect(t.log).toEqual(['connected', 'status NetStream.Play.Reset', 'started first', 'status NetStream.Play.Start', ...gopLog('a', 0)]);
  t.log.length = 0;
  return { ...t, a: t.connsTo(A)[0]! };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PlayerConnection: the first start', () => {
  it('connected, Play.Reset, started(first), Play.Start, then the whole GOP burst of the same read; no timer left', async () => {
    const t = setUp();
    t.pc.start();
    expect(t.pc.connected).toBe(false);
    await flush();
    expect(t.log).toEqual(['connected', 'status NetStream.Play.Reset', 'started first', 'status NetStream.Play.Start', ...gopLog('a', 0)]);
    expect(t.pc.connected).toBe(true);
    const a = t.connsTo(A)[0]!;
    const play = a.server.received.find((r) => r.command?.name === 'play')?.command;
    expect(play?.args).toEqual(['cam1', -2, -1, true]);
    // SetBufferLength with the session's buffer.
    const ucm = a.server.received.find((r) => r.message.typeId === MessageType.UserControl)?.message.payload;
    expect(ucm && [...ucm.subarray(0, 2)]).toEqual([0, UserControlEvent.SetBufferLength]);
    expect(ucm && new DataView(ucm.buffer, ucm.byteOffset).getUint32(6)).toBe(500);
    expect(t.bytes()).toBe(a.bytesToClient);
    expect(t.infos).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    // Later media, data and the end of the stream.
    burst(a, [media('a', 9, 66), metadata('a'), streamEof()]);
    await flush();
    expect(t.log.slice(-3)).toEqual(['media a:v66', 'data onMetaData', 'streamEnded']);
    expect(t.bytes()).toBe(a.bytesToClient);
  });

  it('declares in connect what it decodes (fourCcList, the info maps) and that it follows reconnect requests, plays multitrack and parses ModEx (capsEx)', async () => {
    const t = setUp('rtmp://a.test/live/cam1', new FakeNetwork(), { capabilities: { video: { avc1: 1, av01: 1, hvc1: 0 }, audio: { mp4a: 1, Opus: 1 } } });
    t.pc.start();
    await flush();
    expect(t.connsTo(A)[0]!.connectCommand()!.commandObject).toMatchObject({
      capsEx: 0x07,
      fourCcList: ['avc1', 'av01', 'mp4a', 'Opus'],
      videoFourCcInfoMap: { avc1: 1, av01: 1, hvc1: 0 },
      audioFourCcInfoMap: { mp4a: 1, Opus: 1 },
    });
  });

  it('media in reads of their own after Play.Start, and statuses after it, are passed on too', async () => {
    const t = setUp();
    t.net.host(A, 'accept', player('a', (c) => {
      c.server.streamBegin(1);
      c.server.sendStatus(1, 'status', 'NetStream.Play.Start');
      for (const m of gop('a', 0)) burst(c, [m]);
      c.server.sendStatus(1, 'status', 'NetStream.Play.PublishNotify');
    }));
    t.pc.start();
    await flush();
    expect(t.log).toEqual(['connected', 'started first', 'status NetStream.Play.Start', ...gopLog('a', 0), 'status NetStream.Play.PublishNotify']);
  });
});

describe('PlayerConnection: a first start that fails is fatal', () => {
  const cases: { name: string; mode?: 'refuse' | 'unreachable' | 'silent' | 'garbage' | 'hang'; onCommand?: ReturnType<typeof player>; src?: string; log: string[]; info: Partial<PlayerErrorInfo>; wait: number }[] = [
    { name: 'the bridge refusing the target: BRIDGE_UNAVAILABLE', mode: 'refuse', log: [`failed ${PlayerErrorCode.BridgeUnavailable} fatal`], info: { code: PlayerErrorCode.BridgeUnavailable }, wait: 0 },
    { name: 'a host that is not listed (the bridge refuses it): BRIDGE_UNAVAILABLE', src: 'rtmp://nowhere.test/live/cam1', log: [`failed ${PlayerErrorCode.BridgeUnavailable} fatal`], info: { code: PlayerErrorCode.BridgeUnavailable }, wait: 0 },
    { name: 'TCP unreachable: TRANSPORT_ERROR', mode: 'unreachable', log: [`failed ${RtmpErrorCode.TransportError} fatal`], info: { code: RtmpErrorCode.TransportError }, wait: 0 },
    { name: 'a server that never answers the handshake: TIMEOUT', mode: 'silent', log: [`failed ${RtmpErrorCode.Timeout} fatal`], info: { code: RtmpErrorCode.Timeout }, wait: TIMEOUT_MS },
    { name: 'a transport that never opens: TIMEOUT', mode: 'hang', log: [`failed ${RtmpErrorCode.Timeout} fatal`], info: { code: RtmpErrorCode.Timeout }, wait: TIMEOUT_MS },
    { name: 'not an RTMP server: the core code', mode: 'garbage', log: [`failed ${RtmpErrorCode.HandshakeBadVersion} fatal`], info: { code: RtmpErrorCode.HandshakeBadVersion }, wait: 0 },
    {
      name: 'connect rejected: CONNECT_REJECTED with the serverCode',
      onCommand: (c, cmd) => {
        if (cmd.name === 'connect') c.server.sendCommand(0, '_error', cmd.transactionId, null, { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'no' });
      },
      log: [`failed ${RtmpErrorCode.ConnectRejected} fatal`],
      info: { code: RtmpErrorCode.ConnectRejected, serverCode: 'NetConnection.Connect.Rejected' },
      wait: 0,
    },
    {
      name: 'play never answered: TIMEOUT (not CONNECTION_LOST: it never played)',
      onCommand: player('a', () => {}),
      log: ['connected', `failed ${RtmpErrorCode.Timeout} fatal`],
      info: { code: RtmpErrorCode.Timeout },
      wait: TIMEOUT_MS,
    },
    {
      name: 'the server closing when asked to play (nginx-rtmp, on_play 403): TRANSPORT_CLOSED',
      onCommand: player('a', (c) => c.drop()),
      log: ['connected', `failed ${RtmpErrorCode.TransportClosed} fatal`],
      info: { code: RtmpErrorCode.TransportClosed },
      wait: 0,
    },
    { name: 'a bad src: BAD_SOURCE', src: 'http://a.test/live/cam1', log: [`failed ${PlayerErrorCode.BadSource} fatal`], info: { code: PlayerErrorCode.BadSource }, wait: 0 },
  ];

  for (const c of cases) {
    it(`${c.name}; failed once, nothing after, no timer left`, async () => {
      const t = setUp(c.src);
      if (c.mode !== undefined) t.net.host(A, c.mode);
      if (c.onCommand !== undefined) t.net.host(A, 'accept', c.onCommand);
      t.pc.start();
      await flush();
      if (c.wait > 0) {
        await advance(c.wait - 1);
        expect(t.log.filter((l) => l.startsWith('failed'))).toEqual([]);
        await advance(1);
      }
      expect(t.log).toEqual(c.log);
      expect(t.infos).toHaveLength(1);
      expect(t.infos[0]!.info).toMatchObject({ ...c.info, fatal: true });
      expect(t.pc.connected).toBe(false);
      await expectQuiet(t);
      expect(t.net.targets.length).toBeLessThanOrEqual(1);
      for (const conn of t.net.connections()) expect(conn.closed).toBe(true);
    });
  }

  it('NetStream.Play.StreamNotFound on play: its status, then failed STREAM_NOT_FOUND with the serverCode', async () => {
    const t = setUp();
    t.net.host(A, 'accept', player('a', (c) => c.server.sendStatus(1, 'error', 'NetStream.Play.StreamNotFound', 'no such stream')));
    t.pc.start();
    await flush();
    expect(t.log).toEqual(['connected', 'status NetStream.Play.StreamNotFound', `failed ${PlayerErrorCode.StreamNotFound} fatal`]);
    expect(t.infos[0]!.info).toMatchObject({ code: PlayerErrorCode.StreamNotFound, fatal: true, serverCode: 'NetStream.Play.StreamNotFound' });
    expect(t.connsTo(A)[0]!.closedByClient).toBe(true);
    await expectQuiet(t);
  });

  it('StreamNotFound on a reconnect, after it had played: fatal too', async () => {
    const t = await playing();
    t.net.host(A, 'accept', player('a', (c) => c.server.sendStatus(1, 'error', 'NetStream.Play.StreamNotFound')));
    t.a.drop();
    await advance(BACKOFF_MAX);
    expect(t.log).toEqual([`lost ${PlayerErrorCode.ConnectionLost}`, 'status NetStream.Play.StreamNotFound', `failed ${PlayerErrorCode.StreamNotFound} fatal`]);
    await expectQuiet(t);
  });
});

describe('PlayerConnection: drops and stalls, after it played', () => {
  it('a drop: lost CONNECTION_LOST (not fatal); failed attempts call nothing; then started(reconnected) and the new server media', async () => {
    const t = await playing();
    t.net.host(A, 'unreachable');
    t.a.drop();
    await flush();
    expect(t.log).toEqual([`lost ${PlayerErrorCode.ConnectionLost}`]);
    expect(t.infos[0]!.info).toMatchObject({ code: PlayerErrorCode.ConnectionLost, fatal: false });
    expect(t.pc.connected).toBe(false);
    for (let i = 0; i < 4; i++) await advance(BACKOFF_MAX);
    expect(t.net.targets.length).toBeGreaterThanOrEqual(5);
    expect(t.log).toEqual([`lost ${PlayerErrorCode.ConnectionLost}`]); // no report, no failed
    t.net.host(A, 'accept', player('a'));
    await advance(BACKOFF_MAX);
    expect(t.log).toEqual([`lost ${PlayerErrorCode.ConnectionLost}`, 'status NetStream.Play.Reset', 'started reconnected', 'status NetStream.Play.Start', ...gopLog('a', 0)]);
    expect(t.log).not.toContain('connected');
    expect(t.pc.connected).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(t.bytes()).toBe(t.net.connections().reduce((n, c) => n + c.bytesToClient, 0));
  });

  it('a reconnect that fails before Play.Start (timeout, a closed play, Play.Failed) is retried, not fatal', async () => {
    const t = await playing();
    let answer: 'silent' | 'close' | 'failed' | 'play' = 'silent';
    t.net.host(A, 'accept', player('a', (c) => {
      if (answer === 'close') c.drop();
      else if (answer === 'failed') c.server.sendStatus(1, 'error', 'NetStream.Play.Failed');
      else if (answer === 'play') burst(c, [status('NetStream.Play.Start'), ...gop('a', 500)]);
    }));
    t.a.drop();
    await advance(BACKOFF_MAX); // connects, play unanswered
    await advance(TIMEOUT_MS);
    answer = 'close';
    await advance(BACKOFF_MAX);
    answer = 'failed';
    await advance(BACKOFF_MAX);
    answer = 'play';
    await advance(BACKOFF_MAX);
    await advance(BACKOFF_MAX);
    expect(t.log.filter((l) => /^(lost|report|failed)/.test(l))).toEqual([`lost ${PlayerErrorCode.ConnectionLost}`]);
    expect(t.log.slice(-8)).toEqual(['started reconnected', 'status NetStream.Play.Start', ...gopLog('a', 500)]);
    expect(t.log.filter((l) => l.startsWith('started'))).toEqual(['started reconnected']);
    expect(t.pc.connected).toBe(true);
  });

  it('stall(info): lost with exactly that info, then a reconnect; a stall while not playing does nothing', async () => {
    const t = await playing();
    const info: PlayerErrorInfo = { code: PlayerErrorCode.Stalled, message: 'no data for 5000 ms', fatal: false };
    t.pc.stall(info);
    expect(t.connsTo(A)[0]!.closedByClient).toBe(true);
    expect(t.log).toEqual([`lost ${PlayerErrorCode.Stalled}`]);
    expect(t.infos[0]!.info).toEqual(info);
    // During the backoff: not connected, nothing to stall.
    t.pc.stall({ ...info, message: 'again' });
    await advance(BACKOFF_MAX);
    expect(t.log).toEqual([`lost ${PlayerErrorCode.Stalled}`, 'status NetStream.Play.Reset', 'started reconnected', 'status NetStream.Play.Start', ...gopLog('a', 0)]);
    // The next real drop is a plain CONNECTION_LOST (the stall is not remembered).
    t.connsTo(A)[1]!.drop();
    await flush();
    expect(t.infos.map((i) => i.info.code)).toEqual([PlayerErrorCode.Stalled, PlayerErrorCode.ConnectionLost]);
  });
});

describe('PlayerConnection: the reconnect request', () => {
  it("the new server plays while the old one feeds; its first media: started(moved), then only its media; the old one closed", async () => {
    const t = await playing();
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    const b = t.connsTo(B)[0]!;
    expect(b.server.commandNames()).toContain('play');
    expect(b.server.received.find((r) => r.command?.name === 'play')?.command?.args[0]).toBe('cam1');
    // b has started (Play.Start) but sent no media: a still feeds, b's statuses are not a's.
    burst(t.a, [media('a', 9, 66), media('a', 8, 70)]);
    await flush();
    expect(t.log).toEqual([REQ, 'media a:v66', 'media a:a70']);
    expect(t.a.closed).toBe(false);
    burst(b, gop('b', 5000));
    await flush();
    // b's metadata came before its first media (b was not yet the one playing): passed on right after started(moved).
    expect(t.log).toEqual([REQ, 'media a:v66', 'media a:a70', 'started moved', ...gopLog('b', 5000)]);
    expect(t.a.closedByClient).toBe(true);
    expect(t.pc.connected).toBe(true);
    t.log.length = 0;
    burst(t.a, [media('a', 9, 99)]); // a is closed: nothing from it reaches the client
    burst(b, [media('b', 9, 5066), metadata('b')]);
    await flush();
    expect(t.log).toEqual(['media b:v5066', 'data onMetaData']);
    expect(t.infos).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    // A drop of b now is a plain drop, and the reconnect goes back to b.
    b.drop();
    await advance(BACKOFF_MAX);
    expect(t.log.slice(2, 4)).toEqual([`lost ${PlayerErrorCode.ConnectionLost}`, 'status NetStream.Play.Reset']);
    expect(t.net.targets.map((x) => x.host)).toEqual(['a.test', 'b.test', 'b.test']);
  });

  it("the new server's GOP burst in the same read as its Play.Start: started(moved) before its first media, none lost", async () => {
    const t = await playing((c) => burst(c, [streamBegin(), status('NetStream.Play.Reset'), status('NetStream.Play.Start'), ...gop('b', 5000)]));
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    // Its metadata came before its first media, while a was still the one playing: passed on after started(moved).
    expect(t.log).toEqual([REQ, 'started moved', ...gopLog('b', 5000)]);
    expect(t.a.closedByClient).toBe(true);
  });

  it('a new server the bridge refuses: report (not fatal), the old one keeps playing', async () => {
    const t = await playing();
    t.net.host(B, 'refuse');
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(t.log).toEqual([REQ, `report ${RtmpErrorCode.TransportError}`]);
    expect(t.infos[0]!.info.fatal).toBe(false);
    burst(t.a, [media('a', 9, 66)]);
    await flush();
    expect(t.log).toEqual([REQ, `report ${RtmpErrorCode.TransportError}`, 'media a:v66']);
    expect(t.a.closed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a new server answering StreamNotFound: report (not fatal), the move abandoned, the old one keeps playing', async () => {
    const t = await playing((c) => c.server.sendStatus(1, 'error', 'NetStream.Play.StreamNotFound'));
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    expect(t.log).toEqual([REQ, `report ${RtmpErrorCode.StreamFailed}`]);
    expect(t.infos[0]!.info.fatal).toBe(false);
    expect(t.connsTo(B)[0]!.closedByClient).toBe(true);
    burst(t.a, [media('a', 9, 66)]);
    await flush();
    expect(t.log).toEqual([REQ, `report ${RtmpErrorCode.StreamFailed}`, 'media a:v66']);
    expect(t.a.closed).toBe(false);
    // The old one dropping later is a plain drop (no move left to take over).
    t.a.drop();
    await flush();
    expect(t.log.at(-1)).toBe(`lost ${PlayerErrorCode.ConnectionLost}`);
  });

  it('the new server dropping before its first media: report, the old one keeps playing', async () => {
    const t = await playing();
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    t.connsTo(B)[0]!.drop();
    await flush();
    expect(t.log).toEqual([REQ, `report ${RtmpErrorCode.TransportClosed}`]);
    burst(t.a, [media('a', 9, 66)]);
    await flush();
    expect(t.log.at(-1)).toBe('media a:v66');
    expect(t.pc.connected).toBe(true);
  });

  it('the old server dropping mid-move, the new one playing: it takes over (started(moved)), no lost', async () => {
    const t = await playing();
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    const b = t.connsTo(B)[0]!;
    t.a.drop();
    await flush();
    burst(b, gop('b', 5000));
    await flush();
    expect(t.log).toEqual([REQ, 'started moved', ...gopLog('b', 5000)]);
    expect(t.pc.connected).toBe(true);
    expect(t.infos).toEqual([]);
    expect(t.net.targets).toHaveLength(2);
    // b is the one now: its drop is a plain drop.
    b.drop();
    await flush();
    expect(t.log.at(-1)).toBe(`lost ${PlayerErrorCode.ConnectionLost}`);
  });
  it('the old server dropping while the new one has not answered play: it takes over; its Play.Failed then is a plain drop, retried there', async () => {
    const t = await playing();
    let plays = 0;
    let answerPlay = (): void => {};
    t.net.host(B, 'accept', player('b', (c) => {
      plays++;
      if (plays === 1) answerPlay = () => c.server.sendStatus(1, 'error', 'NetStream.Play.Failed');
      else burst(c, [status('NetStream.Play.Start'), ...gop('b', 7000)]);
    }));
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    t.a.drop();
    await flush();
    expect(t.log).toEqual([REQ, 'started moved']);
    answerPlay();
    await advance(BACKOFF_MAX);
    expect(t.log).toEqual([REQ, 'started moved', 'status NetStream.Play.Failed', `lost ${PlayerErrorCode.ConnectionLost}`, 'started reconnected', 'status NetStream.Play.Start', ...gopLog('b', 7000)]);
    expect(t.net.targets.map((x) => x.host)).toEqual(['a.test', 'b.test', 'b.test']);
    expect(t.infos.map((i) => i.hook)).toEqual(['lost']);
  });
});

describe('PlayerConnection: close()', () => {
  it('while connecting (the transport never opens): nothing after, no timer', async () => {
    const t = setUp();
    t.net.host(A, 'hang');
    t.pc.start();
    await flush();
    t.pc.close();
    expect(t.log).toEqual([]);
    await expectQuiet(t);
  });

  it('in the handshake, and between connect and Play.Start', async () => {
    const hs = setUp();
    hs.net.host(A, 'silent');
    hs.pc.start();
    await flush();
    hs.pc.close();
    expect(hs.connsTo(A)[0]!.closedByClient).toBe(true);
    await expectQuiet(hs);
    expect(hs.log).toEqual([]);

    const before = setUp();
    let answer = (): void => {};
    before.net.host(A, 'accept', player('a', (c) => (answer = () => burst(c, [status('NetStream.Play.Start'), ...gop('a', 0)]))));
    before.pc.start();
    await flush();
    before.pc.close();
    answer();
    await expectQuiet(before);
    expect(before.log).toEqual(['connected']);
  });

  it('while playing: the client closed, nothing after', async () => {
    const t = await playing();
    t.pc.close();
    expect(t.a.closedByClient).toBe(true);
    expect(t.pc.connected).toBe(false);
    await expectQuiet(t);
    expect(t.log).toEqual([]);
  });

  it('mid-move: both clients closed, nothing after', async () => {
    const t = await playing();
    t.a.requestReconnect('rtmp://b.test/live');
    await flush();
    t.pc.close();
    expect(t.a.closedByClient).toBe(true);
    expect(t.connsTo(B)[0]!.closedByClient).toBe(true);
    await expectQuiet(t);
    expect(t.log).toEqual([REQ]);
  });

  it('during the backoff: no attempt, nothing after', async () => {
    const t = await playing();
    t.a.drop();
    await flush();
    expect(vi.getTimerCount()).toBe(1);
    t.pc.close();
    await expectQuiet(t);
    expect(t.log).toEqual([`lost ${PlayerErrorCode.ConnectionLost}`]);
    expect(t.net.targets).toHaveLength(1);
  });

  it('from inside started(): the rest of the same read goes nowhere', async () => {
    const t = setUp();
    const pc = t.pc;
    const log = t.log;
    const push = log.push.bind(log);
    log.push = (...items: string[]) => {
      const n = push(...items);
      if (items[0] === 'started first') pc.close();
      return n;
    };
    pc.start();
    await flush();
    expect([...log]).toEqual(['connected', 'status NetStream.Play.Reset', 'started first']);
    await expectQuiet(t);
  });
});

describe('PlayerConnection: one byte at a time', () => {
  /** First start, a drop and a reconnect, a move: the log of the hooks. */
  async function happyPath(split: (b: Uint8Array) => Uint8Array[]): Promise<{ log: string[]; bytesOk: boolean }> {
    const net = new FakeNetwork();
    net.split = split;
    const t = setUp(undefined, net);
    net.host(B, 'accept', player('b', (c) => burst(c, [streamBegin(), status('NetStream.Play.Reset'), status('NetStream.Play.Start'), ...gop('b', 9000)])));
    t.pc.start();
    await flush();
    t.connsTo(A)[0]!.drop();
    await advance(BACKOFF_MAX);
    const a2 = t.connsTo(A)[1]!;
    burst(a2, [media('a', 9, 66), streamEof()]);
    await flush();
    a2.requestReconnect('//b.test/live');
    await flush();
    burst(t.connsTo(B)[0]!, [media('b', 9, 9066)]);
    await flush();
    return { log: t.log, bytesOk: t.bytes() === net.connections().reduce((n, c) => n + c.bytesToClient, 0) };
  }

  const expected = [
    'connected',
    'status NetStream.Play.Reset',
    'started first',
    'status NetStream.Play.Start',
    ...gopLog('a', 0),
    `lost ${PlayerErrorCode.ConnectionLost}`,
    'status NetStream.Play.Reset',
    'started reconnected',
    'status NetStream.Play.Start',
    ...gopLog('a', 0),
    'media a:v66',
    'streamEnded',
    REQ,
    'started moved',
    ...gopLog('b', 9000),
    'media b:v9066',
  ];

  for (const name of ['whole', 'one byte at a time', 'random points'] as const) {
    it(`the happy path, server bytes ${name}`, async () => {
      const { log, bytesOk } = await happyPath(splitters[name]!);
      expect(log).toEqual(expected);
      expect(bytesOk).toBe(true);
    });
  }
});
