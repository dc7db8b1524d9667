/**
 * FLV files (FLV 10.1 spec, annex E.2-E.3): a resumable reader that takes
 * bytes as they come and gives the header then tags, and pure functions that
 * write a header and tags.
 *
 * ```
 * header:  'F' 'L' 'V'  UI8 version = 1
 *          UB[5] 0  UB[1] audio  UB[1] 0  UB[1] video
 *          UI32 dataOffset (= 9)          bytes up to dataOffset are skipped
 * body:    UI32 PreviousTagSize0 = 0
 *          { tag; UI32 PreviousTagSize = 11 + DataSize } ...
 * tag:     UB[2] reserved  UB[1] filter  UB[5] tagType    8 audio, 9 video, 18 script
 *          UI24 DataSize  UI24 Timestamp  UI8 TimestampExtended (bits 31..24)
 *          UI24 StreamID = 0
 *          UI8[DataSize] data             the RTMP message payload
 * ```
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { readU24Be, readU32Be, writeU24Be, writeU32Be } from '../bytes/byte-cursor.ts';
import { ByteQueue } from '../bytes/byte-queue.ts';

const Code = RtmpErrorCode.FlvInvalid;

/** Size of the FLV file header. */
export const FLV_HEADER_SIZE = 9;
/** Size of an FLV tag header. */
export const FLV_TAG_HEADER_SIZE = 11;
/** The largest DataSize a tag header can hold. */
export const FLV_MAX_TAG_SIZE = 0xffffff;

/** The FLV file header. */
export interface FlvFileHeader {
  kind: 'header';
  /** Always 1. */
  version: number;
  /** The header's audio flag (advisory: FFmpeg and others do not always set it right). */
  hasAudio: boolean;
  /** The header's video flag (advisory). */
  hasVideo: boolean;
}

/** One FLV tag. */
export interface FlvFileTag {
  kind: 'tag';
  /** 8 audio, 9 video, 18 script data; other values are passed on as they are. */
  tagType: number;
  /** Decode timestamp in milliseconds (32 bits, with the extended byte). */
  timestamp: number;
  /** StreamID (0 in files). */
  streamId: number;
  /** The tag body: the RTMP message payload. A view when it lay in one pushed array. */
  data: Uint8Array;
}

/** What {@link FlvFileReader.push} gives. */
export type FlvFileItem = FlvFileHeader | FlvFileTag;

/** Options for {@link FlvFileReader}. */
export interface FlvFileReaderOptions {
  /** Largest tag body accepted, in bytes. Defaults to 8 MiB; at most 16 MiB - 1. */
  maxTagSize?: number;
  /** Largest dataOffset accepted in the file header. Defaults to 64 KiB. */
  maxHeaderSize?: number;
  /**
   * Check that each PreviousTagSize is 11 + the previous DataSize (and the
   * first is 0). Defaults to true: a mismatch means the reader has lost the
   * tag boundaries. Set false for files from writers that get it wrong.
   */
  checkPreviousTagSize?: boolean;
}

type ReaderState =
  | { s: 'file-header' }
  | { s: 'skip'; left: number }
  | { s: 'prev-size'; expected: number }
  | { s: 'tag-header' }
  | { s: 'tag-body'; tagType: number; size: number; timestamp: number; streamId: number }
  | { s: 'failed'; error: RtmpError };

/**
 * A resumable FLV file reader: push bytes in any pieces, get the header and
 * then each complete tag. It never throws for bytes that are merely short;
 * it waits for more. After an error it stays failed.
 */
export class FlvFileReader {
  private readonly queue = new ByteQueue();
  private state: ReaderState = { s: 'file-header' };
  private readonly maxTagSize: number;
  private readonly maxHeaderSize: number;
  private readonly checkPrev: boolean;
  private sawHeader = false;

  /**
   * @throws TypeError when an option is out of range
   */
  constructor(options: FlvFileReaderOptions = {}) {
    this.maxTagSize = options.maxTagSize ?? 8 * 1024 * 1024;
    this.maxHeaderSize = options.maxHeaderSize ?? 64 * 1024;
    this.checkPrev = options.checkPreviousTagSize ?? true;
    if (!(this.maxTagSize >= 0 && this.maxTagSize <= FLV_MAX_TAG_SIZE)) {
      throw new TypeError(`maxTagSize must be 0..${FLV_MAX_TAG_SIZE}, got ${this.maxTagSize}`);
    }
    if (!(this.maxHeaderSize >= FLV_HEADER_SIZE)) {
      throw new TypeError(`maxHeaderSize must be at least ${FLV_HEADER_SIZE}, got ${this.maxHeaderSize}`);
    }
  }

  /** Bytes received but not yet given out as a header or tag. */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /**
   * Adds bytes and returns every header/tag they complete. The reader keeps
   * a reference to `bytes` (and returned tags may be views into it): do not
   * modify it afterwards.
   *
   * @throws RtmpError FlvInvalid for a bad signature, version, data offset or
   *   PreviousTagSize; MessageTooLarge for a tag over `maxTagSize`;
   *   CodecUnsupported for an encrypted (filtered) tag.
   */
  push(bytes: Uint8Array): FlvFileItem[] {
    if (this.state.s === 'failed') throw this.state.error;
    this.queue.push(bytes);
    const out: FlvFileItem[] = [];
    try {
      for (;;) {
        const item = this.step();
        if (item === null) break;
        if (item !== undefined) out.push(item);
      }
    } catch (e) {
      if (e instanceof RtmpError) this.state = { s: 'failed', error: e };
      throw e;
    }
    return out;
  }

  /**
   * Says the input has ended. Throws unless the reader stopped between tags
   * (after a PreviousTagSize, or right after a tag whose trailing
   * PreviousTagSize is missing, as in a live capture that was cut).
   *
   * @throws RtmpError FlvInvalid when the file is truncated.
   */
  end(): void {
    const st = this.state;
    if (st.s === 'failed') throw st.error;
    const clean = (st.s === 'tag-header' || st.s === 'prev-size') && this.queue.length === 0 && this.sawHeader;
    if (!clean) {
      const error = new RtmpError(
        Code,
        `FLV file ended in the middle of ${describe(st)} with ${this.queue.length} bytes left over`,
      );
      this.state = { s: 'failed', error };
      throw error;
    }
  }

  // One transition. Returns an item, undefined for progress without an item,
  // or null when more bytes are needed.
  private step(): FlvFileItem | undefined | null {
    const q = this.queue;
    const st = this.state;
    switch (st.s) {
      case 'file-header': {
        if (q.length < FLV_HEADER_SIZE) return null;
        const h = q.read(FLV_HEADER_SIZE);
        if (h[0] !== 0x46 || h[1] !== 0x4c || h[2] !== 0x56) throw new RtmpError(Code, 'not an FLV file: no "FLV" signature');
        const version = h[3]!;
        if (version !== 1) throw new RtmpError(Code, `FLV version ${version}, expected 1`);
        const dataOffset = readU32Be(h, 5);
        if (dataOffset < FLV_HEADER_SIZE || dataOffset > this.maxHeaderSize) {
          throw new RtmpError(Code, `FLV dataOffset ${dataOffset} outside ${FLV_HEADER_SIZE}..${this.maxHeaderSize}`);
        }
        this.sawHeader = true;
        this.state =
          dataOffset > FLV_HEADER_SIZE ? { s: 'skip', left: dataOffset - FLV_HEADER_SIZE } : { s: 'prev-size', expected: 0 };
        return { kind: 'header', version, hasAudio: (h[4]! & 0x04) !== 0, hasVideo: (h[4]! & 0x01) !== 0 };
      }
      case 'skip': {
        if (q.length === 0) return null;
        const n = Math.min(q.length, st.left);
        q.consume(n);
        this.state = st.left === n ? { s: 'prev-size', expected: 0 } : { s: 'skip', left: st.left - n };
        return undefined;
      }
      case 'prev-size': {
        if (q.length < 4) return null;
        const b = q.read(4);
        const prev = readU32Be(b, 0);
        if (this.checkPrev && prev !== st.expected) {
          throw new RtmpError(Code, `PreviousTagSize is ${prev}, expected ${st.expected}`);
        }
        this.state = { s: 'tag-header' };
        return undefined;
      }
      case 'tag-header': {
        if (q.length < FLV_TAG_HEADER_SIZE) return null;
        const h = q.read(FLV_TAG_HEADER_SIZE);
        const b0 = h[0]!;
        if (b0 & 0x20) {
          throw new RtmpError(RtmpErrorCode.CodecUnsupported, 'encrypted (filtered) FLV tags are not supported');
        }
        const size = readU24Be(h, 1);
        if (size > this.maxTagSize) {
          throw new RtmpError(RtmpErrorCode.MessageTooLarge, `FLV tag of ${size} bytes is over the ${this.maxTagSize}-byte cap`);
        }
        const timestamp = (readU24Be(h, 4) | (h[7]! << 24)) >>> 0;
        this.state = { s: 'tag-body', tagType: b0 & 0x1f, size, timestamp, streamId: readU24Be(h, 8) };
        return undefined;
      }
      case 'tag-body': {
        if (q.length < st.size) return null;
        const data = q.read(st.size);
        this.state = { s: 'prev-size', expected: FLV_TAG_HEADER_SIZE + st.size };
        return { kind: 'tag', tagType: st.tagType, timestamp: st.timestamp, streamId: st.streamId, data };
      }
      case 'failed':
        throw st.error;
    }
  }
}

function describe(st: ReaderState): string {
  switch (st.s) {
    case 'file-header':
    case 'skip':
      return 'the file header';
    case 'prev-size':
      return 'a PreviousTagSize';
    case 'tag-header':
      return 'a tag header';
    case 'tag-body':
      return `a ${st.size}-byte tag body`;
    case 'failed':
      return 'a failed read';
  }
}

/** Options for {@link buildFlvFileHeader}. */
export interface FlvFileHeaderInput {
  /** Set the audio flag. */
  hasAudio: boolean;
  /** Set the video flag. */
  hasVideo: boolean;
}

/** Builds the 9-byte FLV header followed by PreviousTagSize0 (13 bytes in all). */
export function buildFlvFileHeader(input: FlvFileHeaderInput): Uint8Array {
  const out = new Uint8Array(FLV_HEADER_SIZE + 4);
  out.set([0x46, 0x4c, 0x56, 1, (input.hasAudio ? 0x04 : 0) | (input.hasVideo ? 0x01 : 0)]);
  writeU32Be(out, 5, FLV_HEADER_SIZE);
  return out;
}

/** Input to {@link buildFlvTag}. */
export interface FlvTagInput {
  /** 8 audio, 9 video, 18 script data. */
  tagType: number;
  /** Decode timestamp in milliseconds, 0..2^32-1. */
  timestamp: number;
  /** The tag body (an RTMP message payload). */
  data: Uint8Array;
  /** StreamID; 0 (the default) in files. */
  streamId?: number;
}

/**
 * Builds one tag followed by its PreviousTagSize.
 *
 * @throws TypeError for a tag type outside 0..31, a timestamp outside
 *   0..2^32-1 or a body over 16 MiB - 1.
 */
export function buildFlvTag(tag: FlvTagInput): Uint8Array {
  const { tagType, timestamp, data } = tag;
  const streamId = tag.streamId ?? 0;
  if (!Number.isInteger(tagType) || tagType < 0 || tagType > 31) throw new TypeError(`tagType must be 0..31, got ${tagType}`);
  if (!Number.isInteger(timestamp) || timestamp < 0 || timestamp > 0xffffffff) {
    throw new TypeError(`timestamp must be an integer in 0..4294967295, got ${timestamp}`);
  }
  if (data.length > FLV_MAX_TAG_SIZE) throw new TypeError(`data must be at most ${FLV_MAX_TAG_SIZE} bytes, got ${data.length}`);
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffff) throw new TypeError(`streamId must be 0..16777215`);
  const out = new Uint8Array(FLV_TAG_HEADER_SIZE + data.length + 4);
  out[0] = tagType;
  writeU24Be(out, 1, data.length);
  writeU24Be(out, 4, timestamp & 0xffffff);
  out[7] = (timestamp >>> 24) & 0xff;
  writeU24Be(out, 8, streamId);
  out.set(data, FLV_TAG_HEADER_SIZE);
  writeU32Be(out, FLV_TAG_HEADER_SIZE + data.length, FLV_TAG_HEADER_SIZE + data.length);
  return out;
}

/** Builds a whole FLV file: header, PreviousTagSize0, then each tag with its PreviousTagSize. */
export function buildFlvFile(header: FlvFileHeaderInput, tags: readonly FlvTagInput[]): Uint8Array {
  const parts = [buildFlvFileHeader(header), ...tags.map(buildFlvTag)];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
