/**
 * NAL units in the two framings H.264/HEVC use.
 *
 * FLV and MP4 carry "length-prefixed" NAL units (ISO 14496-15 §5.3.2): each
 * NALU is preceded by its size in `lengthSize` bytes (1, 2 or 4, from the
 * avcC/hvcC `lengthSizeMinusOne`). Raw .h264 files and RTP carry Annex B
 * (H.264 Annex B): NALUs separated by `00 00 01` or `00 00 00 01` start codes.
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { readU16Be, readU32Be } from '../bytes/byte-cursor.ts';

/** The size of a NAL unit length prefix, from `lengthSizeMinusOne + 1` (ISO 14496-15 allows 1, 2 or 4). */
export type NalLengthSize = 1 | 2 | 4;

/** True when `n` is a valid {@link NalLengthSize}. */
export function isNalLengthSize(n: number): n is NalLengthSize {
  return n === 1 || n === 2 || n === 4;
}

function checkLengthSize(lengthSize: number): asserts lengthSize is NalLengthSize {
  if (!isNalLengthSize(lengthSize)) {
    throw new TypeError(`lengthSize must be 1, 2 or 4, got ${lengthSize}`);
  }
}

function readLength(b: Uint8Array, o: number, lengthSize: NalLengthSize): number {
  return lengthSize === 4 ? readU32Be(b, o) : lengthSize === 2 ? readU16Be(b, o) : b[o]!;
}

/**
 * Iterates the length-prefixed NAL units of one sample, yielding views (no
 * copy). Zero-length units are skipped, as FFmpeg's h2645 splitter does.
 *
 * @throws RtmpError NaluInvalid when a length prefix is cut short or a length
 *   is larger than the bytes that remain.
 */
export function* iterateNalus(data: Uint8Array, lengthSize: NalLengthSize): Generator<Uint8Array, void, undefined> {
  checkLengthSize(lengthSize);
  let o = 0;
  while (o < data.length) {
    if (data.length - o < lengthSize) {
      throw new RtmpError(
        RtmpErrorCode.NaluInvalid,
        `NAL unit length prefix at offset ${o} needs ${lengthSize} bytes, only ${data.length - o} left`,
      );
    }
    const n = readLength(data, o, lengthSize);
    o += lengthSize;
    if (n > data.length - o) {
      throw new RtmpError(
        RtmpErrorCode.NaluInvalid,
        `NAL unit length ${n} at offset ${o - lengthSize} is larger than the ${data.length - o} bytes left`,
      );
    }
    if (n > 0) yield data.subarray(o, o + n);
    o += n;
  }
}

/**
 * Splits one sample of length-prefixed NAL units into views (no copy).
 * Validates the whole sample before returning.
 *
 * @throws RtmpError NaluInvalid, as {@link iterateNalus}.
 */
export function splitNalus(data: Uint8Array, lengthSize: NalLengthSize): Uint8Array[] {
  return [...iterateNalus(data, lengthSize)];
}

/** The nal_unit_type of an H.264 NAL unit (low 5 bits of its first byte). */
export function avcNaluType(nalu: Uint8Array): number {
  return (nalu[0] ?? 0) & 0x1f;
}

/** The nal_unit_type of an HEVC NAL unit (bits 1..6 of its first byte). */
export function hevcNaluType(nalu: Uint8Array): number {
  return ((nalu[0] ?? 0) >> 1) & 0x3f;
}

/**
 * Splits an Annex B byte stream at its start codes, yielding views (no copy).
 * Bytes before the first start code are ignored, and the trailing zero bytes
 * before a start code (`trailing_zero_8bits`, or the first byte of a 4-byte
 * start code) are not part of the unit before it.
 */
export function splitAnnexB(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = -1;
  let i = 0;
  const n = data.length;
  while (i + 2 < n) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) pushTrimmed(out, data, start, i);
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start >= 0) pushTrimmed(out, data, start, n);
  return out;
}

function pushTrimmed(out: Uint8Array[], data: Uint8Array, start: number, end: number): void {
  // A NAL unit never ends in a zero byte (rbsp_trailing_bits end with a 1),
  // so zeros before a start code belong to the separator.
  while (end > start && data[end - 1] === 0) end--;
  if (end > start) out.push(data.subarray(start, end));
}

/** Concatenates NAL units with `lengthSize`-byte big-endian length prefixes. */
export function nalusToLengthPrefixed(nalus: readonly Uint8Array[], lengthSize: NalLengthSize = 4): Uint8Array {
  checkLengthSize(lengthSize);
  const max = lengthSize === 4 ? 0xffffffff : lengthSize === 2 ? 0xffff : 0xff;
  let total = 0;
  for (const u of nalus) {
    if (u.length > max) throw new TypeError(`NAL unit of ${u.length} bytes does not fit a ${lengthSize}-byte length`);
    total += lengthSize + u.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const u of nalus) {
    for (let k = lengthSize - 1; k >= 0; k--) out[o++] = Math.floor(u.length / 2 ** (8 * k)) & 0xff;
    out.set(u, o);
    o += u.length;
  }
  return out;
}

/** Converts an Annex B stream (or access unit) to length-prefixed NAL units. */
export function annexBToLengthPrefixed(data: Uint8Array, lengthSize: NalLengthSize = 4): Uint8Array {
  return nalusToLengthPrefixed(splitAnnexB(data), lengthSize);
}

/**
 * Converts length-prefixed NAL units to Annex B with 4-byte start codes.
 *
 * @throws RtmpError NaluInvalid, as {@link iterateNalus}.
 */
export function lengthPrefixedToAnnexB(data: Uint8Array, lengthSize: NalLengthSize): Uint8Array {
  const nalus = splitNalus(data, lengthSize);
  let total = 0;
  for (const u of nalus) total += 4 + u.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const u of nalus) {
    out[o + 3] = 1;
    out.set(u, o + 4);
    o += 4 + u.length;
  }
  return out;
}

/**
 * Removes emulation prevention bytes (the `03` in `00 00 03`, H.264 §7.4.1)
 * from a NAL unit, giving its RBSP. Returns the input itself when there are none.
 */
export function naluToRbsp(nalu: Uint8Array): Uint8Array {
  let first = -1;
  for (let i = 2; i < nalu.length; i++) {
    if (nalu[i] === 3 && nalu[i - 1] === 0 && nalu[i - 2] === 0) {
      first = i;
      break;
    }
  }
  if (first < 0) return nalu;
  const out = new Uint8Array(nalu.length);
  let o = 0;
  let zeros = 0;
  for (let i = 0; i < nalu.length; i++) {
    const b = nalu[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, o);
}
