/**
 * The Speex bit-stream reader. A Speex packet is a string of bits packed
 * most significant bit first (Speex manual, "Bit-stream definition"); fields
 * have no byte alignment, and frames follow each other without padding until
 * the packet's terminator padding (a 0 then 1s to the byte boundary).
 *
 * The reader never reads past its end: {@link SpeexBitReader.read} of more
 * bits than remain is refused with a typed error, so callers check
 * {@link SpeexBitReader.remaining} where running short is a normal end.
 */
import { RtmpError, RtmpErrorCode } from '../../errors.ts';

/** Reads fields MSB-first from one packet; reused across packets (no allocation). */
export class SpeexBitReader {
  private bytes: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private end = 0;

  /** Starts reading `bytes` from its first bit. */
  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.pos = 0;
    this.end = bytes.length * 8;
  }

  /** Bits left to read. */
  remaining(): number {
    return this.end - this.pos;
  }

  /** Bit position from the start of the packet. */
  position(): number {
    return this.pos;
  }

  /** Moves to bit `pos` (0 ≤ pos ≤ the packet's length in bits). */
  seek(pos: number): void {
    this.pos = pos;
  }

  /** The next `n` bits (1–24) as an unsigned number, without consuming them; throws when fewer remain. */
  peek(n: number): number {
    if (n > this.end - this.pos) throw truncated(this.pos, n);
    let v = 0;
    let p = this.pos;
    for (let i = 0; i < n; i++, p++) v = (v << 1) | (((this.bytes[p >>> 3] ?? 0) >>> (7 - (p & 7))) & 1);
    return v;
  }

  /** Reads `n` bits (1–24) as an unsigned number; throws when fewer remain. */
  read(n: number): number {
    const v = this.peek(n);
    this.pos += n;
    return v;
  }

  /** Skips `n` bits; throws when fewer remain. */
  skip(n: number): void {
    if (n > this.end - this.pos) throw truncated(this.pos, n);
    this.pos += n;
  }
}

/** The error for a field that runs past the end of the packet. */
export function truncated(pos: number, n: number): RtmpError {
  return new RtmpError(RtmpErrorCode.AudioPacketInvalid, `Speex packet truncated: ${n} bits needed at bit ${pos}`, {
    fatal: false,
  });
}

/** The error for a mode or field value the bit-stream does not allow. */
export function invalid(what: string): RtmpError {
  return new RtmpError(RtmpErrorCode.AudioPacketInvalid, `Speex packet invalid: ${what}`, { fatal: false });
}
