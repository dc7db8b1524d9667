import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { ChunkReader, type ChunkReaderOptions } from '../../src/chunk/chunk-reader.ts';
import { ChunkWriter } from '../../src/chunk/chunk-writer.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import { parseControlMessage } from '../../src/message/control-message.ts';
import type { RtmpMessage } from '../../src/message/message-types.ts';
import { chunkFixtures, chunkFuzzTarget } from '../fixtures/chunk-fixtures.ts';
import { splitters } from '../split-delivery.ts';

interface Seen {
  typeId: number;
  streamId: number;
  timestamp: number;
  csid: number;
  hex: string;
}

function readAll(pieces: Uint8Array[], options?: ChunkReaderOptions): { messages: Seen[]; error: RtmpError | null } {
  const messages: Seen[] = [];
  const reader = new ChunkReader((m) => {
    parseControlMessage(m); // as the session does: bad control messages fail the stream
    messages.push({ typeId: m.typeId, streamId: m.streamId, timestamp: m.timestamp, csid: m.csid, hex: bytesToHex(m.payload) });
  }, options);
  try {
    for (const p of pieces) reader.push(p);
  } catch (e) {
    if (!(e instanceof RtmpError)) throw e;
    return { messages, error: e };
  }
  return { messages, error: null };
}

describe('chunk reader: fixtures', () => {
  for (const f of chunkFixtures) {
    it(f.name, () => {
      let whole: unknown;
      for (const [how, split] of Object.entries(splitters)) {
        if (how === 'one byte at a time' && f.bytes.length > 100_000) continue;
        const got = readAll(split(f.bytes));
        if (f.expect === 'ok') expect(got.error, how).toBeNull();
        else expect(got.error?.code, how).toBe(f.expect);
        // Identical messages (and the same error) however the bytes arrive.
        const summary = { m: got.messages, e: got.error?.code };
        if (whole === undefined) whole = summary;
        else expect(summary, how).toEqual(whole);
      }
      // The fuzz target (reader + control parsers) agrees.
      if (f.expect === 'ok') expect(() => chunkFuzzTarget(f.bytes)).not.toThrow();
      else expect(() => chunkFuzzTarget(f.bytes)).toThrow(expect.objectContaining({ code: f.expect }));
    });
  }

  it('reassembles a message across fmt 3 continuation chunks', () => {
    const f = chunkFixtures.find((x) => x.name.includes('300-byte'))!;
    const { messages } = readAll([f.bytes]);
    expect(messages).toHaveLength(1);
    const m = messages[0]!;
    expect([m.typeId, m.streamId, m.timestamp, m.csid]).toEqual([9, 1, 40, 6]);
    expect(m.hex).toBe('01'.repeat(128) + '02'.repeat(128) + '03'.repeat(44));
  });

  it('applies Set Chunk Size from the very next chunk, even mid-message', () => {
    const f = chunkFixtures.find((x) => x.name.includes('changed mid-message'))!;
    const { messages } = readAll([f.bytes]);
    expect(messages.map((m) => m.typeId)).toEqual([1, 9]);
    expect(messages[1]!.hex).toBe('01'.repeat(128) + '02'.repeat(172));
  });

  it('accepts fmt 3 continuations with and without the extended timestamp', () => {
    const a = readAll([chunkFixtures.find((x) => x.name.includes('with the extended field'))!.bytes]);
    const b = readAll([chunkFixtures.find((x) => x.name.includes('without the extended field'))!.bytes]);
    expect(a.messages).toEqual(b.messages);
    expect(a.messages[0]!.timestamp).toBe(0x01000000);
    expect(a.messages[0]!.hex).toBe('01'.repeat(128) + '02'.repeat(72));
  });

  it('wraps timestamps at 2^32', () => {
    const { messages } = readAll([chunkFixtures.find((x) => x.name.includes('wrap'))!.bytes]);
    expect(messages.map((m) => m.timestamp)).toEqual([0xfffffff0, 0x10]);
  });

  it('reads csids in all three basic-header forms', () => {
    expect(readAll([hexToBytes('01 ff ff 000000 000002 09 01000000 1701')]).messages[0]!.csid).toBe(65599);
    expect(readAll([hexToBytes('00 ff 000000 000002 09 01000000 1701')]).messages[0]!.csid).toBe(319);
    expect(readAll([hexToBytes('00 00 000000 000002 09 01000000 1701')]).messages[0]!.csid).toBe(64);
  });

  it('applies fmt 1, 2 and 3 deltas (RTMP 1.0 §5.3.2.1)', () => {
    // Four audio messages: fmt 0 @1000, fmt 2 +20, fmt 3, fmt 3.
    const bytes = hexToBytes('03 0003e8 000004 08 01000000 aaaaaaaa' + '83 000014 bbbbbbbb' + 'c3 cccccccc' + 'c3 dddddddd');
    expect(readAll([bytes]).messages.map((m) => m.timestamp)).toEqual([1000, 1020, 1040, 1060]);
  });

  it('drops a partial message on Abort', () => {
    const bytes = hexToBytes(
      '06 000000 0000c8 09 01000000' + 'ee'.repeat(128) + '02 000000 000004 02 00000000 00000006' + '06 000000 000001 09 01000000 77',
    );
    const { messages, error } = readAll([bytes]);
    expect(error).toBeNull();
    expect(messages.map((m) => [m.typeId, m.hex])).toEqual([
      [2, '00000006'],
      [9, '77'],
    ]);
  });

  it('caps bytes held for partial messages', () => {
    const w = new ChunkWriter({ maxCsid: 65599 });
    const parts: Uint8Array[] = [w.setChunkSize(65536)];
    for (let csid = 3; csid < 40; csid++) {
      const whole = w.write({ csid, typeId: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(200_000) });
      parts.push(whole.subarray(0, 70_000)); // first chunk and a bit: the message stays partial
      break;
    }
    const { error } = readAll(parts, { maxPartialBytes: 100_000 });
    expect(error?.code).toBe(RtmpErrorCode.BufferLimit);
  });

  it('keeps memory small for huge declared lengths that never arrive', () => {
    const reader = new ChunkReader(() => {});
    const f = chunkFixtures.find((x) => x.name.includes('8 MiB declared'))!;
    expect(() => reader.push(f.bytes)).toThrow(RtmpError);
    const reader2 = new ChunkReader(() => {}, { maxChunkStreams: 1000 });
    reader2.push(f.bytes);
    // 200 messages × 128 bytes received: 64 KiB buffers each, not 8 MiB each.
    expect(reader2.bufferedBytes).toBeLessThanOrEqual(200 * 64 * 1024);
  });

  it('throws the same error again after failing', () => {
    const reader = new ChunkReader(() => {});
    expect(() => reader.push(hexToBytes('c5 aa'))).toThrow(RtmpError);
    expect(() => reader.push(hexToBytes('03 000000 000001 14 00000000 05'))).toThrow(
      expect.objectContaining({ code: RtmpErrorCode.ChunkNoPreviousHeader }),
    );
  });
});

describe('chunk writer', () => {
  it('writes fmt 0, then compresses to fmt 2 and fmt 3 (golden bytes)', () => {
    const w = new ChunkWriter();
    const m = (timestamp: number, payload: string): RtmpMessage => ({ csid: 4, typeId: 8, streamId: 1, timestamp, payload: hexToBytes(payload) });
    expect(bytesToHex(w.write(m(1000, 'aa')))).toBe('040003e8000001080100000' + '0aa');
    expect(bytesToHex(w.write(m(1020, 'bb')))).toBe('84000014bb');
    expect(bytesToHex(w.write(m(1040, 'cc')))).toBe('c4cc');
    expect(bytesToHex(w.write(m(1060, 'dddd')))).toBe('44000014000002' + '08dddd');
    expect(bytesToHex(w.write(m(1000, 'ee')))).toBe('040003e8000001080100000' + '0ee'); // back in time: fmt 0
  });

  it('splits by chunk size with fmt 3 continuations, and raises the chunk size', () => {
    const w = new ChunkWriter();
    const out = w.write({ csid: 6, typeId: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(300).fill(7) });
    expect(out.length).toBe(12 + 300 + 2);
    expect(out[12 + 128]).toBe(0xc6);
    expect(out[12 + 128 + 1 + 128]).toBe(0xc6);
    expect(bytesToHex(w.setChunkSize(4096))).toBe('02000000000004010000000000001000');
    expect(w.write({ csid: 6, typeId: 9, streamId: 1, timestamp: 33, payload: new Uint8Array(300) }).length).toBe(4 + 300); // fmt 2: only the delta changed
  });

  it('writes the extended timestamp on every chunk', () => {
    const w = new ChunkWriter();
    const out = w.write({ csid: 6, typeId: 9, streamId: 1, timestamp: 0x01000000, payload: new Uint8Array(200).fill(1) });
    expect(bytesToHex(out.subarray(0, 16))).toBe('06ffffff0000c8090100000001000000');
    expect(bytesToHex(out.subarray(16 + 128, 16 + 128 + 5))).toBe('c601000000');
  });

  it('refuses csids outside 2..31 by default', () => {
    const w = new ChunkWriter();
    const msg = { typeId: 9, streamId: 1, timestamp: 0, payload: new Uint8Array(1) };
    expect(() => w.write({ ...msg, csid: 32 })).toThrow(expect.objectContaining({ code: RtmpErrorCode.ChunkStreamIdInvalid }));
    expect(() => w.write({ ...msg, csid: 1 })).toThrow(RtmpError);
    expect(() => new ChunkWriter({ maxCsid: 65599 }).write({ ...msg, csid: 65599 })).not.toThrow();
  });
});

describe('chunk writer → reader round trip (property)', () => {
  const message = fc.record({
    csid: fc.integer({ min: 3, max: 400 }),
    typeId: fc.constantFrom(8, 9, 18, 20, 15, 22),
    streamId: fc.integer({ min: 0, max: 5 }),
    timestampStep: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(0xffffff), fc.integer({ min: 0, max: 0xffffffff })),
    payload: fc.uint8Array({ maxLength: 1200 }),
    newChunkSize: fc.option(fc.integer({ min: 1, max: 5000 }), { freq: 8 }),
  });

  it('any sequence of messages, at any chunk size, comes back the same', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 25 }), fc.integer({ min: 0, max: 2 }), (msgs, splitIdx) => {
        const w = new ChunkWriter({ maxCsid: 65599 });
        const parts: Uint8Array[] = [];
        const expected: Seen[] = [];
        const clock = new Map<number, number>();
        for (const m of msgs) {
          if (m.newChunkSize !== null) {
            parts.push(w.setChunkSize(m.newChunkSize));
            expected.push({ typeId: 1, streamId: 0, timestamp: 0, csid: 2, hex: bytesToHex(hexToBytes(m.newChunkSize.toString(16).padStart(8, '0'))) });
          }
          const timestamp = ((clock.get(m.csid) ?? 0) + m.timestampStep) >>> 0;
          clock.set(m.csid, timestamp);
          const msg: RtmpMessage = { csid: m.csid, typeId: m.typeId, streamId: m.streamId, timestamp, payload: m.payload };
          parts.push(w.write(msg));
          expected.push({ typeId: m.typeId, streamId: m.streamId, timestamp, csid: m.csid, hex: bytesToHex(m.payload) });
        }
        const stream = parts.length ? Buffer.concat(parts) : new Uint8Array(0);
        const split = Object.values(splitters)[splitIdx]!;
        const got = readAll(split(new Uint8Array(stream)), { maxChunkStreams: 1000 });
        expect(got.error).toBeNull();
        expect(got.messages).toEqual(expected);
      }),
      { numRuns: 300, seed: 424242 },
    );
  });
});
