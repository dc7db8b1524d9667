/**
 * The chunk stream reader (RTMP 1.0 §5.3): bytes in, whole messages out.
 *
 * ```
 *  basic header (1–3 bytes)   message header (11/7/3/0)   [ext ts (4)]   chunk data
 * +--+------+                +-----------+------+----+----------+
 * |fm| csid |  fmt 0:        | timestamp | len  |type| stream id|  (stream id is LE)
 * +--+------+                |  3 bytes  |  3   | 1  |  4       |
 *  csid 0 → 1 more byte (64+b1); csid 1 → 2 more bytes (64+b1+256·b2)
 *  fmt 1: ts delta, len, type    fmt 2: ts delta    fmt 3: nothing
 * ```
 *
 * It is resumable: bytes may arrive split anywhere, and when they run short it
 * waits for more. Chunk payload is taken as it arrives, so a huge chunk size
 * never makes us buffer a whole chunk. Hard caps bound memory whatever a peer
 * sends: message size, live chunk streams, and bytes of partial messages.
 * Set Chunk Size and Abort are applied here, from the very next chunk, and
 * still handed up like any other message.
 */
import { ByteQueue } from '../bytes/byte-queue.ts';
import { readU24Be, readU32Be, readU32Le } from '../bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { MessageType, type RtmpMessage } from '../message/message-types.ts';
import { MAX_CHUNK_SIZE, parseAbort, parseSetChunkSize } from '../message/protocol-control.ts';

/** Caps for {@link ChunkReader}. Every one has a safe default. */
export interface ChunkReaderOptions {
  /** Largest message length accepted (bytes). Default 8 MiB. */
  maxMessageSize?: number;
  /** Most chunk stream ids with state at once. Default 128. */
  maxChunkStreams?: number;
  /** Most bytes held for partial messages, over all chunk streams. Default 16 MiB. */
  maxPartialBytes?: number;
  /** Largest Set Chunk Size accepted. Default 2^31-1 (any legal size). */
  maxChunkSize?: number;
}

/** The default caps of {@link ChunkReader}. */
export const CHUNK_READER_DEFAULTS: Required<ChunkReaderOptions> = {
  maxMessageSize: 8 * 1024 * 1024,
  maxChunkStreams: 128,
  maxPartialBytes: 16 * 1024 * 1024,
  maxChunkSize: MAX_CHUNK_SIZE,
};

// The initial size of a message being reassembled; it grows by doubling, so a
// declared length that is never sent costs only what actually arrived.
const INITIAL_MESSAGE_BUFFER = 64 * 1024;

/** Per chunk stream id state: the last header, and the message in progress. */
interface ChunkStreamState {
  timestamp: number;
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The raw 32-bit value of the last extended timestamp, or -1 if none is in effect. */
  extended: number;
  /** Message in progress: bytes received so far (0 when none). */
  received: number;
  buffer: Uint8Array | null;
}

/** Reassembles RTMP messages from a chunk stream. See the file comment. */
export class ChunkReader {
  /** Current incoming chunk size (128 until the peer sends Set Chunk Size). */
  chunkSize = 128;
  /** Bytes pushed so far; the session uses it for Acknowledgements. */
  bytesReceived = 0;

  private readonly opts: Required<ChunkReaderOptions>;
  private readonly queue = new ByteQueue();
  private readonly streams = new Map<number, ChunkStreamState>();
  private partialBytes = 0;
  // The chunk whose payload is being read, and how much of it is left.
  private current: ChunkStreamState | null = null;
  private currentCsid = 0;
  private chunkLeft = 0;
  private error: RtmpError | null = null;
  // Scratch for one message header (11 bytes) and an extended timestamp (4):
  // reused for every chunk, so parsing headers allocates nothing.
  private readonly scratch = new Uint8Array(15);

  /**
   * @param onMessage called for each whole message, in order; the payload may
   *   be a view into received bytes, valid until the next push
   * @param options caps
   */
  constructor(
    private readonly onMessage: (message: RtmpMessage) => void,
    options: ChunkReaderOptions = {},
  ) {
    this.opts = { ...CHUNK_READER_DEFAULTS, ...stripUndefined(options) };
  }

  /** Bytes held for partial messages and unparsed input (for stats and tests). */
  get bufferedBytes(): number {
    return this.partialBytes + this.queue.length;
  }

  /**
   * Takes the next bytes of the stream and calls `onMessage` for every message
   * they complete. Throws an {@link RtmpError} on a protocol error, after
   * delivering every message before it; the reader is then dead and throws the
   * same error again on any later push.
   */
  push(bytes: Uint8Array): void {
    if (this.error) throw this.error;
    this.bytesReceived += bytes.length;
    this.queue.push(bytes);
    try {
      this.drain();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): never {
    this.error =
      e instanceof RtmpError
        ? e
        : new RtmpError(RtmpErrorCode.ChunkHeaderMismatch, `chunk reader failed: ${String(e)}`, { cause: e });
    this.streams.clear();
    this.partialBytes = 0;
    throw this.error;
  }

  private drain(): void {
    for (;;) {
      if (this.current === null && !this.readHeader()) return;
      if (!this.readPayload()) return;
    }
  }

  /** Parses one chunk header if all of it is here. Returns false to wait for more. */
  private readHeader(): boolean {
    const q = this.queue;
    if (q.length < 1) return false;
    const b0 = q.peekU8(0);
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let pos = 1;
    if (csid === 0) {
      if (q.length < 2) return false;
      csid = 64 + q.peekU8(1);
      pos = 2;
    } else if (csid === 1) {
      if (q.length < 3) return false;
      csid = 64 + q.peekU8(1) + 256 * q.peekU8(2);
      pos = 3;
    }
    const headerLength = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (q.length < pos + headerLength) return false;
    const h = this.scratch;
    q.copyOut(pos, headerLength, h);
    pos += headerLength;

    let st = this.streams.get(csid);
    if (st === undefined) {
      if (fmt !== 0) {
        throw new RtmpError(RtmpErrorCode.ChunkNoPreviousHeader, `fmt ${fmt} chunk on chunk stream ${csid}, which has no previous header`);
      }
      if (this.streams.size >= this.opts.maxChunkStreams) {
        throw new RtmpError(RtmpErrorCode.TooManyChunkStreams, `more than ${this.opts.maxChunkStreams} chunk streams`);
      }
    }

    if (fmt === 3) {
      // §5.3.1.3: fmt 3 repeats the extended timestamp when one is in effect.
      // Some peers omit it on continuation chunks, so peek and take it only
      // when it matches the value in effect.
      const s = st!;
      if (s.extended >= 0) {
        if (q.length < pos + 4) return false;
        const ext = (q.peekU8(pos) * 0x1000000 + ((q.peekU8(pos + 1) << 16) | (q.peekU8(pos + 2) << 8) | q.peekU8(pos + 3))) >>> 0;
        if (ext === s.extended) pos += 4;
      }
      q.consume(pos);
      if (s.received === 0) {
        // A new message with no header: same length/type/stream, same delta.
        s.timestamp = (s.timestamp + s.delta) >>> 0;
      }
      this.begin(csid, s);
      return true;
    }

    let tsField = readU24Be(h, 0);
    const extended = tsField === 0xffffff;
    if (extended) {
      if (q.length < pos + 4) return false;
      q.copyOut(pos, 4, this.scratch, 11);
      tsField = readU32Be(this.scratch, 11);
      pos += 4;
    }
    q.consume(pos);

    const length = fmt <= 1 ? readU24Be(h, 3) : st!.length;
    const typeId = fmt <= 1 ? h[6]! : st!.typeId;
    const streamId = fmt === 0 ? readU32Le(h, 7) : st!.streamId;

    if (length > this.opts.maxMessageSize) {
      throw new RtmpError(RtmpErrorCode.MessageTooLarge, `message of ${length} bytes on chunk stream ${csid} passes the cap of ${this.opts.maxMessageSize}`);
    }

    if (st === undefined) {
      st = { timestamp: 0, delta: 0, length, typeId, streamId, extended: -1, received: 0, buffer: null };
      this.streams.set(csid, st);
    } else if (st.received > 0) {
      // A full header in the middle of a message: tolerate a repeat of the
      // same header (treated as a continuation), refuse anything else.
      if (length !== st.length || typeId !== st.typeId || streamId !== st.streamId) {
        throw new RtmpError(
          RtmpErrorCode.ChunkHeaderMismatch,
          `fmt ${fmt} header (length ${length}, type ${typeId}) on chunk stream ${csid} while a message of length ${st.length} is partial`,
        );
      }
      st.extended = extended ? tsField : -1;
      this.begin(csid, st);
      return true;
    }

    st.length = length;
    st.typeId = typeId;
    st.streamId = streamId;
    st.extended = extended ? tsField : -1;
    if (fmt === 0) {
      st.timestamp = tsField;
      // §5.3.1.2.4: after a fmt 0, a fmt 3 new message reuses its timestamp as the delta.
      st.delta = tsField;
    } else {
      st.delta = tsField;
      st.timestamp = (st.timestamp + tsField) >>> 0;
    }
    this.begin(csid, st);
    return true;
  }

  private begin(csid: number, st: ChunkStreamState): void {
    this.current = st;
    this.currentCsid = csid;
    this.chunkLeft = Math.min(this.chunkSize, st.length - st.received);
  }

  /** Takes what is here of the current chunk's payload. Returns false to wait for more. */
  private readPayload(): boolean {
    const st = this.current!;
    const csid = this.currentCsid;
    const q = this.queue;

    if (st.length === 0) {
      this.current = null;
      this.deliver(csid, st, new Uint8Array(0));
      return true;
    }

    // Fast path: a whole message in one chunk, all present: hand up a view.
    if (st.received === 0 && this.chunkLeft === st.length && q.length >= st.length) {
      const payload = q.read(st.length);
      this.current = null;
      this.deliver(csid, st, payload);
      return true;
    }

    const take = Math.min(this.chunkLeft, q.length);
    if (take === 0) return false;
    if (st.buffer === null || st.buffer.length < st.received + take) this.grow(st, st.received + take);
    q.copyOut(0, take, st.buffer!, st.received);
    q.consume(take);
    st.received += take;
    this.chunkLeft -= take;
    if (this.chunkLeft > 0) return false;

    this.current = null;
    if (st.received === st.length) {
      const payload = st.buffer!.length === st.length ? st.buffer! : st.buffer!.subarray(0, st.length);
      this.partialBytes -= st.buffer!.length;
      st.buffer = null;
      st.received = 0;
      this.deliver(csid, st, payload);
    }
    return true;
  }

  private grow(st: ChunkStreamState, need: number): void {
    const old = st.buffer;
    let size = old === null ? Math.min(st.length, INITIAL_MESSAGE_BUFFER) : old.length;
    while (size < need) size = Math.min(st.length, size * 2);
    const added = size - (old?.length ?? 0);
    if (this.partialBytes + added > this.opts.maxPartialBytes) {
      throw new RtmpError(RtmpErrorCode.BufferLimit, `partial messages would hold ${this.partialBytes + added} bytes, past the cap of ${this.opts.maxPartialBytes}`);
    }
    const next = new Uint8Array(size);
    if (old !== null) next.set(old.subarray(0, st.received));
    st.buffer = next;
    this.partialBytes += added;
  }

  private deliver(csid: number, st: ChunkStreamState, payload: Uint8Array): void {
    const message: RtmpMessage = { typeId: st.typeId, streamId: st.streamId, timestamp: st.timestamp, payload, csid };
    if (st.typeId === MessageType.SetChunkSize && st.streamId === 0) {
      this.chunkSize = parseSetChunkSize(payload, this.opts.maxChunkSize);
    } else if (st.typeId === MessageType.Abort && st.streamId === 0) {
      this.abort(parseAbort(payload));
    }
    this.onMessage(message);
  }

  /** Drops the partial message on `csid` (RTMP 1.0 §5.4.2). */
  private abort(csid: number): void {
    const st = this.streams.get(csid);
    if (st === undefined || st.received === 0) return;
    this.partialBytes -= st.buffer?.length ?? 0;
    st.buffer = null;
    st.received = 0;
  }
}

/** Copies an options object without its undefined fields, so defaults apply. */
function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
