/**
 * Bit-level reading and writing for codec headers (SPS, AudioSpecificConfig,
 * av1C sequence headers, AC-3 sync frames).
 *
 * Bits are read most-significant first, as in every MPEG/ITU syntax table.
 * Reads past the end throw an {@link RtmpError} with the code given at
 * construction, so each header reports truncation in its own terms.
 */
import { RtmpError, type RtmpErrorCode } from '../errors.ts';

/** A range-checked MSB-first bit reader over a byte array. */
export class BitReader {
  /** Position in bits from the start of `bytes`. */
  private bitPos = 0;

  /**
   * @param bytes the header to read
   * @param errorCode the code thrown when a read runs past the end or a value is out of range
   * @param what a name for the header, used in error messages
   */
  constructor(
    private readonly bytes: Uint8Array,
    readonly errorCode: RtmpErrorCode,
    private readonly what = 'bitstream',
  ) {}

  /** Bits left to read. */
  get bitsLeft(): number {
    return this.bytes.length * 8 - this.bitPos;
  }

  /** Bits read so far. */
  get position(): number {
    return this.bitPos;
  }

  /** Throws this reader's error code with a message naming the header. */
  fail(message: string): never {
    throw new RtmpError(this.errorCode, `${this.what}: ${message}`);
  }

  private need(n: number): void {
    if (n > this.bitsLeft) {
      this.fail(`needs ${n} more bits at bit ${this.bitPos}, only ${this.bitsLeft} left`);
    }
  }

  /** Reads one bit. */
  bit(): number {
    this.need(1);
    const byte = this.bytes[this.bitPos >>> 3]!;
    const v = (byte >>> (7 - (this.bitPos & 7))) & 1;
    this.bitPos++;
    return v;
  }

  /** Reads one bit as a boolean. */
  flag(): boolean {
    return this.bit() === 1;
  }

  /** Reads an unsigned `n`-bit value, 0 ≤ n ≤ 32. */
  bits(n: number): number {
    if (n < 0 || n > 32) throw new RangeError(`BitReader.bits: n must be 0..32, got ${n}`);
    this.need(n);
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.bitPos >>> 3]!;
      v = v * 2 + ((byte >>> (7 - (this.bitPos & 7))) & 1);
      this.bitPos++;
    }
    return v;
  }

  /** Skips `n` bits. */
  skip(n: number): void {
    this.need(n);
    this.bitPos += n;
  }

  /**
   * Reads an unsigned exp-Golomb code, ue(v) (H.264 §9.1). More than 31
   * leading zero bits cannot be a valid 32-bit value and is rejected, so a
   * run of zeros in corrupt input never loops long or overflows.
   */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      zeros++;
      if (zeros > 31) this.fail(`exp-Golomb code with more than 31 leading zeros at bit ${this.bitPos}`);
    }
    if (zeros === 0) return 0;
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  /** Reads a signed exp-Golomb code, se(v) (H.264 §9.1.1). */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** Reads ue(v) and checks it is at most `max`. */
  ueMax(max: number, name: string): number {
    const v = this.ue();
    if (v > max) this.fail(`${name} is ${v}, more than ${max}`);
    return v;
  }

  /**
   * Reads an AV1 uvlc() (AV1 spec §4.10.3): like ue(v) but 32 leading zeros
   * mean the maximum value.
   */
  uvlc(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      zeros++;
      if (zeros >= 32) return 2 ** 32 - 1;
    }
    if (zeros === 0) return 0;
    return 2 ** zeros - 1 + this.bits(zeros);
  }
}

/** A growable MSB-first bit writer, for building headers. */
export class BitWriter {
  private readonly out: number[] = [];
  private cur = 0;
  private used = 0;

  /** Appends the low `n` bits of `value`, most significant first (0 ≤ n ≤ 32). */
  bits(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) {
      const b = Math.floor(value / 2 ** i) & 1;
      this.cur = (this.cur << 1) | b;
      this.used++;
      if (this.used === 8) {
        this.out.push(this.cur);
        this.cur = 0;
        this.used = 0;
      }
    }
    return this;
  }

  /** Appends one bit. */
  flag(v: boolean): this {
    return this.bits(1, v ? 1 : 0);
  }

  /** Appends ue(v). */
  ue(v: number): this {
    const x = v + 1;
    const len = Math.floor(Math.log2(x));
    this.bits(len, 0);
    return this.bits(len + 1, x);
  }

  /** Appends se(v). */
  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v);
  }

  /** Pads with zero bits to a byte boundary and returns the bytes. */
  finish(): Uint8Array {
    if (this.used > 0) this.bits(8 - this.used, 0);
    return Uint8Array.from(this.out);
  }
}
