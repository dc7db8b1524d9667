import { describe, expect, it } from 'vitest';
import { amfEcmaArray, isAmfEcmaArray } from '../../src/amf/amf-value.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import { MessageType } from '../../src/message/message-types.ts';
import { parseUserControl, UserControlEvent } from '../../src/message/user-control.ts';
import { type RtmpStatus, RtmpClientSession, type ClientSessionOptions } from '../../src/session/client-session.ts';
import { FakeRtmpServer } from '../fake-server.ts';
import { splitters } from '../split-delivery.ts';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A session wired to a fake server through an asynchronous pipe. */
function pair(split: (b: Uint8Array) => Uint8Array[] = (b) => [b], options: Partial<ClientSessionOptions> = {}) {
  let server!: FakeRtmpServer;
  const session = new RtmpClientSession({
    app: 'live',
    tcUrl: 'rtmp://127.0.0.1/live',
    handshake: { random: (b) => b.fill(1) },
    ...options,
  });
  session.on('send', (b) => {
    const copy = b.slice();
    queueMicrotask(() => server.push(copy));
  });
  server = new FakeRtmpServer((b) => {
    const copy = b.slice();
    queueMicrotask(() => {
      for (const piece of split(copy)) session.receive(piece);
    });
  });
  server.onCommand = (c, streamId) => {
    if (c.name === 'connect') server.acceptConnect(c.transactionId);
    else if (c.name === 'createStream') server.sendCommand(0, '_result', c.transactionId, null, 1);
    else if (c.name === 'publish') server.sendStatus(streamId, 'status', 'NetStream.Publish.Start', `${String(c.args[0])} is now published.`);
    else if (c.name === 'play') {
      server.streamBegin(streamId);
      server.sendStatus(streamId, 'status', 'NetStream.Play.Reset');
      server.sendStatus(streamId, 'status', 'NetStream.Play.Start');
    }
  };
  return { session, server: () => server };
}

describe('RtmpClientSession against a scripted server', () => {
  for (const [how, split] of Object.entries(splitters)) {
    it(`connects, with server bytes delivered ${how}`, async () => {
      const { session, server } = pair(split);
      const info = await session.connect();
      expect(info.code).toBe('NetConnection.Connect.Success');
      expect(session.state).toBe('connected');
      const connect = server().received.find((r) => r.command?.name === 'connect')!;
      expect(connect.command!.transactionId).toBe(1);
      expect(connect.command!.commandObject).toMatchObject({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live', objectEncoding: 0 });
      // Set Chunk Size 4096 went out before connect, and our window after it.
      const types = server().received.map((r) => r.message.typeId);
      expect(types.indexOf(MessageType.SetChunkSize)).toBeLessThan(types.indexOf(MessageType.CommandAmf0));
      expect(types).toContain(MessageType.WindowAckSize);
    });
  }

  it('publishes in the FMLE sequence and unpublishes with FCUnpublish + deleteStream', async () => {
    const { session, server } = pair();
    await session.connect();
    const id = await session.publish('key?token=abc&x=1');
    expect(id).toBe(1);
    session.unpublish(id, 'key?token=abc&x=1');
    await tick();
    expect(server().commandNames()).toEqual(['connect', 'releaseStream', 'FCPublish', 'createStream', 'publish', 'FCUnpublish', 'deleteStream']);
    const publish = server().received.find((r) => r.command?.name === 'publish')!;
    expect(publish.command!.args).toEqual(['key?token=abc&x=1', 'live']); // query passes through untouched
    expect(publish.message.streamId).toBe(1);
  });

  it('sends metadata as @setDataFrame onMetaData with an ECMA array, and media on csids 6/7', async () => {
    const { session, server } = pair();
    await session.connect();
    const id = await session.publish('s');
    session.sendMetadata(id, { width: 640, height: 360, videocodecid: 7 });
    session.sendMedia(id, 9, 0, new Uint8Array([0x17, 0, 0, 0, 0]));
    session.sendMedia(id, 8, 0, new Uint8Array([0xaf, 0, 0x12, 0x10]));
    await tick();
    const data = server().received.find((r) => r.message.typeId === MessageType.DataAmf0)!;
    expect(data.message.streamId).toBe(id);
    const media = server().received.filter((r) => r.message.typeId === 8 || r.message.typeId === 9);
    expect(media.map((r) => [r.message.typeId, r.message.csid])).toEqual([
      [9, 7],
      [8, 6],
    ]);
  });

  it('plays: createStream → play(name, -2, -1, true) → SetBufferLength; surfaces statuses and data', async () => {
    const { session, server } = pair();
    const statuses: RtmpStatus[] = [];
    const events: string[] = [];
    session.on('status', (s) => statuses.push(s));
    session.on('stream-event', (e) => events.push(e.event));
    const metadata: unknown[] = [];
    session.on('data', (d) => metadata.push(d.data));
    await session.connect();
    const id = await session.play('cam1');
    server().sendData(id, 'onMetaData', amfEcmaArray({ width: 640 }));
    server().sendData(id, '|RtmpSampleAccess', false, false);
    await tick();
    await tick();
    expect(server().commandNames()).toEqual(['connect', 'createStream', 'play']);
    expect(server().received.find((r) => r.command?.name === 'play')!.command!.args).toEqual(['cam1', -2, -1, true]);
    const ucm = server().received.filter((r) => r.message.typeId === MessageType.UserControl).map((r) => parseUserControl(r.message.payload));
    expect(ucm).toContainEqual({ event: 'SetBufferLength', streamId: 1, bufferMs: 1000 });
    expect(statuses.map((s) => s.code)).toEqual(['NetStream.Play.Reset', 'NetStream.Play.Start']);
    expect(events).toEqual(['StreamBegin']);
    expect(metadata).toHaveLength(2);
    const md = metadata[0] as { name: string; values: unknown[] };
    expect(md.name).toBe('onMetaData');
    expect(isAmfEcmaArray(md.values[0])).toBe(true);
  });

  it('answers PingRequest with PingResponse, and onBWDone with _checkbw', async () => {
    const { session, server } = pair();
    await session.connect();
    server().sendUserControl(UserControlEvent.PingRequest, 0x1234);
    server().sendCommand(0, 'onBWDone', 0, null, 8192);
    await tick();
    await tick();
    const pongs = server()
      .received.filter((r) => r.message.typeId === MessageType.UserControl)
      .map((r) => parseUserControl(r.message.payload));
    expect(pongs).toContainEqual({ event: 'PingResponse', timestamp: 0x1234 });
    expect(server().commandNames()).toContain('_checkbw');
  });

  it('sends an Acknowledgement once a window of bytes has arrived', async () => {
    const { session, server } = pair();
    await session.connect();
    // Start-up reads are acknowledged at once (quick acks, until media flows); count the window's from here.
    const before = server().received.filter((r) => r.message.typeId === MessageType.Acknowledgement).length;
    // acceptConnect announced a 5,000,000-byte window; send more than that.
    const chunk = new Uint8Array(1_000_000);
    for (let i = 0; i < 6; i++) server().send({ csid: 6, typeId: 9, streamId: 1, timestamp: i * 33, payload: chunk });
    await tick();
    await tick();
    const acks = server().received.filter((r) => r.message.typeId === MessageType.Acknowledgement);
    expect(acks.length - before).toBeLessThanOrEqual(2);
    expect(acks.length - before).toBeGreaterThanOrEqual(1);
  });

  it('during start-up, acknowledges each read at once (so a Nagling server is not held by our delayed ACK), and stops once media flows', async () => {
    const { session, server } = pair();
    await session.connect();
    const acks = () => server().received.filter((r) => r.message.typeId === MessageType.Acknowledgement).length;
    expect(acks()).toBeGreaterThanOrEqual(1);
    const atConnect = acks();
    server().send({ csid: 6, typeId: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(100) });
    await tick();
    const afterMedia = acks();
    for (let i = 1; i < 20; i++) server().send({ csid: 6, typeId: 9, streamId: 1, timestamp: i * 33, payload: new Uint8Array(100) });
    await tick();
    expect(acks()).toBe(afterMedia);
    expect(afterMedia - atConnect).toBeLessThanOrEqual(1);
  });

  it('rejects connect with ConnectRejected and the server code when the server answers _error', async () => {
    const { session, server } = pair();
    server().onCommand = (c) => {
      if (c.name === 'connect') {
        server().sendCommand(0, '_error', c.transactionId, null, {
          level: 'error',
          code: 'NetConnection.Connect.Rejected',
          description: 'bad app',
        });
      }
    };
    const closed: unknown[] = [];
    session.on('close', (c) => closed.push(c));
    const e = await session.connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RtmpError);
    expect((e as RtmpError).code).toBe(RtmpErrorCode.ConnectRejected);
    expect((e as RtmpError).details).toMatchObject({ code: 'NetConnection.Connect.Rejected', description: 'bad app' });
    expect(session.state).toBe('failed');
    expect(closed).toHaveLength(1);
  });

  it('rejects publish with StreamFailed and NetStream.Publish.BadName as it came', async () => {
    const { session, server } = pair();
    await session.connect();
    server().onCommand = (c, streamId) => {
      if (c.name === 'createStream') server().sendCommand(0, '_result', c.transactionId, null, 1);
      if (c.name === 'publish') server().sendStatus(streamId, 'error', 'NetStream.Publish.BadName', 'Already publishing');
    };
    const e = (await session.publish('taken').catch((x: unknown) => x)) as RtmpError;
    expect(e.code).toBe(RtmpErrorCode.StreamFailed);
    expect(e.details?.code).toBe('NetStream.Publish.BadName');
    expect(session.state).toBe('connected'); // a refused publish does not kill the connection
  });

  it('fails with a typed error, never a throw, when the server sends garbage after the handshake', async () => {
    const { session, server } = pair();
    await session.connect();
    const errors: RtmpError[] = [];
    session.on('error', (e) => errors.push(e));
    // fmt 1 on a fresh csid
    (server() as unknown as { toClient: (b: Uint8Array) => void }).toClient(new Uint8Array([0x45, 0, 0, 0, 0, 0, 1, 9, 0xaa]));
    await tick();
    expect(errors.map((e) => e.code)).toEqual([RtmpErrorCode.ChunkNoPreviousHeader]);
    expect(session.state).toBe('failed');
    await expect(session.createStream()).rejects.toBeInstanceOf(RtmpError);
  });

  it('rejects pending requests when the transport closes', async () => {
    const { session, server } = pair();
    await session.connect();
    server().onCommand = () => {};
    const p = session.createStream();
    session.transportClosed();
    await expect(p).rejects.toMatchObject({ code: RtmpErrorCode.TransportClosed });
  });

  it('splits aggregate messages into timed sub-messages', async () => {
    const { session, server } = pair();
    await session.connect();
    const got: [number, number, number][] = [];
    session.on('media', (m) => got.push([m.typeId, m.timestamp, m.payload.length]));
    // two sub-tags: video @1000 (3 bytes), audio @1020 (2 bytes)
    const agg = new Uint8Array([
      9, 0, 0, 3, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x17, 1, 0, 0, 0, 0, 14,
      8, 0, 0, 2, 0, 0x03, 0xfc, 0, 0, 0, 0, 0xaf, 1, 0, 0, 0, 13,
    ]);
    server().send({ csid: 6, typeId: MessageType.Aggregate, streamId: 1, timestamp: 5000, payload: agg });
    await tick();
    expect(got).toEqual([
      [9, 5000, 3],
      [8, 5020, 2],
    ]);
  });
});
