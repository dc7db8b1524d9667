/**
 * The reconnect proxy's chunk tracker and injector (reconnect-proxy.ts): a
 * server → client stream made with the core's ChunkWriter (handshake bytes,
 * Set Chunk Size changes, extended timestamps, fmt 0–3, all three csid
 * forms, empty messages, interleaved csids) is cut at every position; the
 * boundaries found are the writer's, and a request spliced in at any of
 * them reaches the core's ChunkReader intact, with every server message.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ChunkReader, ChunkWriter, concatBytes, decodeCommand, encodeSetChunkSize, MessageType, RECONNECT_REQUEST_CODE, type RtmpMessage } from '@rtmp-web/core';
import { Injector, SERVER_HANDSHAKE_BYTES, ServerChunkTracker, startReconnectProxy } from './reconnect-proxy.ts';

interface Built {
  bytes: Uint8Array;
  /** Offsets just after each chunk. */
  ends: number[];
  messages: RtmpMessage[];
}

/** Splits one ChunkWriter message's bytes into its chunk end offsets (relative), knowing its layout. */
function chunkEnds(bytes: Uint8Array, payloadLength: number, chunkSize: number): number[] {
  const chunks = Math.max(1, Math.ceil(payloadLength / chunkSize));
  if (chunks === 1) return [bytes.length];
  const b0 = bytes[0]!;
  const low = b0 & 0x3f;
  const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
  const fmt = b0 >> 6;
  const mh = [11, 7, 3, 0][fmt]!;
  // extended if the timestamp field is 0xffffff (fmt < 3)
  const ext = fmt < 3 && bytes[basic] === 0xff && bytes[basic + 1] === 0xff && bytes[basic + 2] === 0xff ? 4 : 0;
  const first = basic + mh + ext;
  const later = basic + ext;
  const ends: number[] = [];
  let o = first;
  for (let i = 0; i < chunks; i++) {
    if (i > 0) o += later;
    o += Math.min(chunkSize, payloadLength - i * chunkSize);
    ends.push(o);
  }
  expect(o).toBe(bytes.length);
  return ends;
}

function payload(n: number, seed: number): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 31 + seed) & 0xff;
  return p;
}

/** A server's bytes: S0 S1 S2, then messages on several csids, chunk size changes, big timestamps. */
function buildStream(): Built {
  const w = new ChunkWriter({ maxCsid: 65599 });
  const parts: Uint8Array[] = [new Uint8Array(SERVER_HANDSHAKE_BYTES).fill(3)];
  const ends: number[] = [];
  const messages: RtmpMessage[] = [];
  let at = SERVER_HANDSHAKE_BYTES;
  const put = (m: RtmpMessage) => {
    const size = w.chunkSize;
    const b = w.write(m);
    for (const e of chunkEnds(b, m.payload.length, size)) ends.push(at + e);
    at += b.length;
    parts.push(b);
    messages.push(m);
  };
  const scs = (size: number) => {
    const b = w.setChunkSize(size);
    ends.push(at + b.length);
    at += b.length;
    parts.push(b);
    messages.push({ csid: 2, typeId: MessageType.SetChunkSize, streamId: 0, timestamp: 0, payload: encodeSetChunkSize(size) });
  };
  put({ csid: 2, typeId: MessageType.WindowAckSize, streamId: 0, timestamp: 0, payload: payload(4, 1) });
  put({ csid: 3, typeId: MessageType.CommandAmf0, streamId: 0, timestamp: 0, payload: payload(300, 2) }); // 3 chunks at 128
  scs(200);
  put({ csid: 7, typeId: MessageType.Video, streamId: 1, timestamp: 10, payload: payload(450, 3) });
  put({ csid: 7, typeId: MessageType.Video, streamId: 1, timestamp: 20, payload: payload(450, 4) }); // fmt 2 or 3
  put({ csid: 6, typeId: MessageType.Audio, streamId: 1, timestamp: 21, payload: payload(0, 5) }); // empty
  put({ csid: 6, typeId: MessageType.Audio, streamId: 1, timestamp: 0x1000000, payload: payload(420, 6) }); // extended
  put({ csid: 6, typeId: MessageType.Audio, streamId: 1, timestamp: 0x1000000 + 0x1000000, payload: payload(420, 7) }); // extended delta
  put({ csid: 100, typeId: MessageType.DataAmf0, streamId: 1, timestamp: 30, payload: payload(250, 8) }); // 2-byte csid
  put({ csid: 1000, typeId: MessageType.DataAmf0, streamId: 1, timestamp: 31, payload: payload(201, 9) }); // 3-byte csid
  scs(4096);
  put({ csid: 7, typeId: MessageType.Video, streamId: 1, timestamp: 40, payload: payload(9000, 10) });
  scs(64);
  put({ csid: 7, typeId: MessageType.Video, streamId: 1, timestamp: 50, payload: payload(130, 11) });
  return { bytes: concatBytes(parts), ends, messages };
}

/** Interleaves two messages' chunks by hand: csid 7's first chunk, csid 6's whole message, csid 7's rest. */
function buildInterleaved(): Built {
  const hs = new Uint8Array(SERVER_HANDSHAKE_BYTES).fill(3);
  const w = new ChunkWriter();
  const video: RtmpMessage = { csid: 7, typeId: MessageType.Video, streamId: 1, timestamp: 5, payload: payload(300, 12) };
  const audio: RtmpMessage = { csid: 6, typeId: MessageType.Audio, streamId: 1, timestamp: 6, payload: payload(50, 13) };
  const v = w.write(video);
  const a = w.write(audio);
  const vEnds = chunkEnds(v, 300, 128); // 3 chunks
  const bytes = concatBytes([hs, v.subarray(0, vEnds[0]), a, v.subarray(vEnds[0])]);
  const base = SERVER_HANDSHAKE_BYTES;
  const ends = [base + vEnds[0]!, base + vEnds[0]! + a.length, base + a.length + vEnds[1]!, base + a.length + vEnds[2]!];
  return { bytes, ends, messages: [audio, video] };
}

function trackEnds(pieces: Uint8Array[]): number[] {
  const t = new ServerChunkTracker();
  const ends: number[] = [];
  let at = 0;
  for (const p of pieces) {
    for (const e of t.feed(p)) ends.push(at + e);
    at += p.length;
  }
  return ends;
}

/** Reads the client's view (after the handshake bytes) and returns its messages. */
function readAll(bytes: Uint8Array): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  const r = new ChunkReader((m) => out.push({ ...m, payload: m.payload.slice() }));
  r.push(bytes.subarray(SERVER_HANDSHAKE_BYTES));
  return out;
}

function isRequest(m: RtmpMessage, tcUrl: string): boolean {
  if (m.typeId !== MessageType.CommandAmf0 || m.streamId !== 0) return false;
  let c;
  try {
    c = decodeCommand(m.payload);
  } catch {
    return false; // the stream's made-up commands are not AMF
  }
  const info = c.args[0] as Record<string, unknown>;
  return c.name === 'onStatus' && c.transactionId === 0 && c.commandObject === null && info.code === RECONNECT_REQUEST_CODE && info.tcUrl === tcUrl && info.level === 'status';
}

function sameMessage(a: RtmpMessage, b: RtmpMessage): boolean {
  return a.typeId === b.typeId && a.streamId === b.streamId && a.timestamp === b.timestamp && Buffer.from(a.payload).equals(Buffer.from(b.payload));
}

for (const [name, build] of [
  ['several csids, chunk sizes, extended timestamps', buildStream],
  ['interleaved chunks of two csids', buildInterleaved],
] as const) {
  describe(`reconnect proxy tracker: ${name}`, () => {
    const s = build();

    it('finds every chunk end, in one piece, cut at every position, and one byte at a time', () => {
      expect(trackEnds([s.bytes])).toEqual(s.ends);
      for (let cut = 0; cut <= s.bytes.length; cut++) {
        expect(trackEnds([s.bytes.subarray(0, cut), s.bytes.subarray(cut)])).toEqual(s.ends);
      }
      expect(trackEnds([...s.bytes].map((b) => Uint8Array.of(b)))).toEqual(s.ends);
    });

    it('a request asked for at any byte position is spliced at the next chunk end and read intact with every server message', () => {
      const tcUrl = 'rtmp://127.0.0.1:1935/live';
      // Feed up to `cut`, ask, then feed the rest in one piece (or byte by byte for a sample of cuts).
      for (let cut = 0; cut <= s.bytes.length; cut++) {
        const inj = new Injector();
        const out: Uint8Array[] = [];
        for (const p of inj.data(s.bytes.subarray(0, cut))) out.push(p);
        const now = inj.request(tcUrl);
        if (now !== null) out.push(now);
        const rest = s.bytes.subarray(cut);
        const byteByByte = cut % 499 === 0;
        if (byteByByte) for (const b of rest) out.push(...inj.data(Uint8Array.of(b)));
        else out.push(...inj.data(rest));
        const all = concatBytes(out);
        expect(all.length).toBeGreaterThan(s.bytes.length);
        if (cut < SERVER_HANDSHAKE_BYTES) {
          // Still in the handshake: it waits for the first chunk end.
          expect(now).toBeNull();
        }
        const msgs = readAll(all);
        const requests = msgs.filter((m) => isRequest(m, tcUrl));
        expect(requests.length, `cut ${cut}`).toBe(1);
        const others = msgs.filter((m) => !isRequest(m, tcUrl));
        expect(others.length, `cut ${cut}`).toBe(s.messages.length);
        for (const m of s.messages) expect(others.some((o) => sameMessage(o, m)), `cut ${cut}`).toBe(true);
        // Placed at the first chunk end at or after the cut (or at the cut itself, between chunks).
        const between = cut === SERVER_HANDSHAKE_BYTES || s.ends.includes(cut);
        const boundary = between ? cut : s.ends.find((e) => e > cut);
        expect(Buffer.from(all.subarray(0, boundary)).equals(Buffer.from(s.bytes.subarray(0, boundary))), `cut ${cut}`).toBe(true);
      }
    });

    it('the request is chunked at the server chunk size then in effect, on a csid the server does not use', () => {
      const inj = new Injector();
      inj.data(s.bytes);
      const b = inj.request('rtmp://h/app');
      expect(b).not.toBeNull();
      const csid = b![0]! & 0x3f;
      expect(inj.tracker.usedCsids.has(csid)).toBe(false);
      expect(csid).toBeGreaterThanOrEqual(20);
      expect(b![0]! >> 6).toBe(0);
    });
  });
}

describe('reconnect proxy over TCP', () => {
  it('passes bytes both ways and injects into live connections', async () => {
    const s = buildStream();
    const server = net.createServer((sock) => {
      sock.on('data', (d) => {
        if (d.toString() === 'go') sock.write(s.bytes.subarray(0, 4000));
        if (d.toString() === 'rest') sock.end(s.bytes.subarray(4000));
      });
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
    const proxy = await startReconnectProxy(port);
    const client = net.connect(proxy.port, '127.0.0.1');
    const got: Buffer[] = [];
    client.on('data', (d) => got.push(d));
    await new Promise<void>((r) => client.on('connect', () => r()));
    client.write('go');
    await new Promise((r) => setTimeout(r, 100));
    expect(proxy.request('rtmp://127.0.0.1:2/live')).toBe(1);
    client.write('rest');
    await new Promise<void>((r) => client.on('close', () => r()));
    const msgs = readAll(concatBytes(got));
    expect(msgs.filter((m) => isRequest(m, 'rtmp://127.0.0.1:2/live')).length).toBe(1);
    expect(msgs.length).toBe(s.messages.length + 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(proxy.info()).toEqual({ accepted: 1, open: 0, closed: 1 });
    await proxy.stop();
    server.close();
  });
});
