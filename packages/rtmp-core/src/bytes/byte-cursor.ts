/**
 * Reading and writing big-endian (and the odd little-endian) integers.
 *
 * RTMP is big-endian everywhere except the message stream id in a fmt 0
 * chunk header, which is little-endian (RTMP 1.0 §5.3.1.2.1). Names say the
 * endianness explicitly, and no DataView is made per value.
 */
import { RtmpError, type RtmpErrorCode, RtmpErrorCode as Code } from '../errors.ts';

// One scratch buffer for float64 conversion, shared by every reader/writer.
const f64Scratch = new DataView(new ArrayBuffer(8));

/** Reads an unsigned 16-bit big-endian integer. The caller checks bounds. */
export function readU16Be(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Reads an unsigned 24-bit big-endian integer. The caller checks bounds. */
export function readU24Be(b: Uint8Array, o: number): number {
  return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
}

/** Reads a signed 24-bit big-endian integer (the FLV composition time). */
export function readI24Be(b: Uint8Array, o: number): number {
  const v = readU24Be(b, o);
  return v & 0x800000 ? v - 0x1000000 : v;
}

/** Reads an unsigned 32-bit big-endian integer. The caller checks bounds. */
export function readU32Be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Reads an unsigned 32-bit little-endian integer (the chunk message stream id). */
export function readU32Le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Reads an IEEE 754 double, big-endian. The caller checks bounds. */
export function readF64Be(b: Uint8Array, o: number): number {
  for (let i = 0; i < 8; i++) f64Scratch.setUint8(i, b[o + i]!);
  return f64Scratch.getFloat64(0, false);
}

/** Writes an unsigned 16-bit big-endian integer. */
export function writeU16Be(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** Writes an unsigned 24-bit big-endian integer. */
export function writeU24Be(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 16) & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = v & 0xff;
}

/** Writes an unsigned 32-bit big-endian integer. */
export function writeU32Be(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** Writes an unsigned 32-bit little-endian integer. */
export function writeU32Le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Writes an IEEE 754 double, big-endian. */
export function writeF64Be(b: Uint8Array, o: number, v: number): void {
  f64Scratch.setFloat64(0, v, false);
  for (let i = 0; i < 8; i++) b[o + i] = f64Scratch.getUint8(i);
}

/**
 * A range-checked reader over one complete message (an AMF body, an FLV tag,
 * an avcC). Reading past the end throws an {@link RtmpError} with the code
 * given at construction, so each layer reports truncation in its own terms.
 */
export class ByteCursor {
  /** Current read position within `bytes`. */
  pos: number;

  /**
   * @param bytes the complete message
   * @param truncatedCode the error code to throw when a read runs past the end
   * @param start where to start reading
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly truncatedCode: RtmpErrorCode = Code.Truncated,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `n` more bytes are present. Call before allocating for `n`. */
  need(n: number, what = 'field'): void {
    if (!(n >= 0) || n > this.remaining) {
      throw new RtmpError(
        this.truncatedCode,
        `${what} needs ${n} bytes at offset ${this.pos}, only ${this.remaining} left`,
      );
    }
  }

  /** Reads one byte. */
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  /** Reads a big-endian u16. */
  u16be(): number {
    this.need(2);
    const v = readU16Be(this.bytes, this.pos);
    this.pos += 2;
    return v;
  }

  /** Reads a big-endian u24. */
  u24be(): number {
    this.need(3);
    const v = readU24Be(this.bytes, this.pos);
    this.pos += 3;
    return v;
  }

  /** Reads a big-endian signed 24-bit integer. */
  i24be(): number {
    this.need(3);
    const v = readI24Be(this.bytes, this.pos);
    this.pos += 3;
    return v;
  }

  /** Reads a big-endian u32. */
  u32be(): number {
    this.need(4);
    const v = readU32Be(this.bytes, this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a little-endian u32. */
  u32le(): number {
    this.need(4);
    const v = readU32Le(this.bytes, this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a big-endian float64. */
  f64be(): number {
    this.need(8);
    const v = readF64Be(this.bytes, this.pos);
    this.pos += 8;
    return v;
  }

  /** Returns a view (no copy) of the next `n` bytes and advances past them. */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/** A growable byte builder for encoders. `finish()` returns the bytes written. */
export class ByteWriter {
  private buf: Uint8Array;
  /** Number of bytes written so far. */
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one byte. */
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  /** Appends a big-endian u16. */
  u16be(v: number): this {
    this.ensure(2);
    writeU16Be(this.buf, this.length, v);
    this.length += 2;
    return this;
  }

  /** Appends a big-endian u24. */
  u24be(v: number): this {
    this.ensure(3);
    writeU24Be(this.buf, this.length, v);
    this.length += 3;
    return this;
  }

  /** Appends a big-endian u32. */
  u32be(v: number): this {
    this.ensure(4);
    writeU32Be(this.buf, this.length, v);
    this.length += 4;
    return this;
  }

  /** Appends a little-endian u32. */
  u32le(v: number): this {
    this.ensure(4);
    writeU32Le(this.buf, this.length, v);
    this.length += 4;
    return this;
  }

  /** Appends a big-endian float64. */
  f64be(v: number): this {
    this.ensure(8);
    writeF64Be(this.buf, this.length, v);
    this.length += 8;
    return this;
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Returns the bytes written (a view of the internal buffer; stop writing after). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
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

/** Parses a hex string (whitespace allowed) into bytes. For fixtures and tests. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    throw new TypeError(`hexToBytes: not a hex string: ${hex.slice(0, 32)}`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** Formats bytes as lowercase hex. For fixtures and diagnostics. */
export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
