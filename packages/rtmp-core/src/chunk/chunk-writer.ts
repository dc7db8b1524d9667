/**
 * The chunk stream writer (RTMP 1.0 §5.3): whole messages in, chunk bytes out.
 *
 * Headers are compressed per chunk stream id the way RTMP 1.0 §5.3.2 shows:
 * fmt 0 for the first message on a csid (or a new stream id, or a timestamp
 * that goes back), fmt 1 when the length or type changes, fmt 2 when only the
 * delta changes, fmt 3 when the message repeats the previous delta. We never
 * send fmt 3 for a new message right after a fmt 0, because peers disagree on
 * what delta that implies (the spec says the fmt 0 timestamp; nginx-rtmp
 * uses 0). Extended timestamps are repeated on fmt 3 chunks (§5.3.1.3).
 *
 * Each message becomes one Uint8Array holding all its chunks, so the
 * transport makes one write per message.
 */
import { writeU24Be, writeU32Be, writeU32Le } from '../bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { ChunkStreamId, MessageType, type RtmpMessage } from '../message/message-types.ts';
import { encodeSetChunkSize } from '../message/protocol-control.ts';

/** Options for {@link ChunkWriter}. */
export interface ChunkWriterOptions {
  /**
   * Highest chunk stream id the writer accepts. Default 31, because
   * nginx-rtmp closes sessions that use csid 32 or more.
   */
  maxCsid?: number;
}

interface WriterStreamState {
  timestamp: number;
  /** The delta a fmt 3 new message would repeat, or -1 when none is safe. */
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
}

/** Chunks messages for sending. See the file comment. */
export class ChunkWriter {
  /** Current outgoing chunk size (128 until {@link setChunkSize}). */
  chunkSize = 128;
  private readonly maxCsid: number;
  private readonly streams = new Map<number, WriterStreamState>();

  constructor(options: ChunkWriterOptions = {}) {
    this.maxCsid = options.maxCsid ?? 31;
  }

  /**
   * Returns the bytes of a Set Chunk Size message (sent at the old size) and
   * applies the new size to every message written after it.
   */
  setChunkSize(size: number): Uint8Array {
    const bytes = this.write({
      csid: ChunkStreamId.Control,
      typeId: MessageType.SetChunkSize,
      streamId: 0,
      timestamp: 0,
      payload: encodeSetChunkSize(size),
    });
    this.chunkSize = size;
    return bytes;
  }

  /** Returns the chunk bytes for one message, compressing headers per csid. */
  write(message: RtmpMessage): Uint8Array {
    const { csid, typeId, streamId, payload } = message;
    if (!Number.isInteger(csid) || csid < 2 || csid > this.maxCsid) {
      throw new RtmpError(RtmpErrorCode.ChunkStreamIdInvalid, `chunk stream id ${csid} is outside 2..${this.maxCsid}`);
    }
    if (payload.length > 0xffffff) {
      throw new RtmpError(RtmpErrorCode.MessageTooLarge, `message of ${payload.length} bytes does not fit the 24-bit length field`);
    }
    const timestamp = message.timestamp >>> 0;
    const prev = this.streams.get(csid);

    let fmt: 0 | 1 | 2 | 3;
    let tsValue: number;
    let delta = -1;
    if (prev === undefined || prev.streamId !== streamId || timestamp < prev.timestamp) {
      fmt = 0;
      tsValue = timestamp;
    } else {
      delta = timestamp - prev.timestamp;
      tsValue = delta;
      if (prev.length !== payload.length || prev.typeId !== typeId) fmt = 1;
      else if (delta !== prev.delta) fmt = 2;
      else fmt = 3;
    }
    this.streams.set(csid, { timestamp, delta, length: payload.length, typeId, streamId });

    const extended = tsValue >= 0xffffff;
    const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
    const headerLength = [11, 7, 3, 0][fmt]!;
    const chunks = Math.max(1, Math.ceil(payload.length / this.chunkSize));
    const ext = extended ? 4 : 0;
    // First chunk: basic + message header + ext; later chunks: fmt 3 basic + ext.
    const total = basic + headerLength + ext + (chunks - 1) * (basic + ext) + payload.length;
    const out = new Uint8Array(total);

    let o = writeBasicHeader(out, 0, fmt, csid, basic);
    if (fmt < 3) {
      writeU24Be(out, o, extended ? 0xffffff : tsValue);
      o += 3;
      if (fmt < 2) {
        writeU24Be(out, o, payload.length);
        out[o + 3] = typeId;
        o += 4;
        if (fmt === 0) {
          writeU32Le(out, o, streamId);
          o += 4;
        }
      }
    }
    if (extended) {
      writeU32Be(out, o, tsValue);
      o += 4;
    }
    for (let i = 0; i < chunks; i++) {
      if (i > 0) {
        o = writeBasicHeader(out, o, 3, csid, basic);
        if (extended) {
          writeU32Be(out, o, tsValue);
          o += 4;
        }
      }
      const start = i * this.chunkSize;
      const piece = payload.subarray(start, Math.min(payload.length, start + this.chunkSize));
      out.set(piece, o);
      o += piece.length;
    }
    return out;
  }
}

function writeBasicHeader(out: Uint8Array, o: number, fmt: number, csid: number, basic: number): number {
  if (basic === 1) {
    out[o] = (fmt << 6) | csid;
  } else if (basic === 2) {
    out[o] = fmt << 6;
    out[o + 1] = csid - 64;
  } else {
    out[o] = (fmt << 6) | 1;
    out[o + 1] = (csid - 64) & 0xff;
    out[o + 2] = (csid - 64) >> 8;
  }
  return o + basic;
}
