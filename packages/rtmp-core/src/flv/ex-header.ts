/**
 * Pieces of the E-RTMP ExAudioTagHeader / ExVideoTagHeader that audio and
 * video share: the ModEx chain and the FourCC (veovera/enhanced-rtmp v2,
 * "Enhanced Audio" and "Enhanced Video").
 *
 * ```
 * while packetType == ModEx (7):
 *   modExDataSize = UI8 + 1; if modExDataSize == 256: modExDataSize = UI16 + 1
 *   modExData     = UI8[modExDataSize]
 *   modExType     = UB[4]        0 = TimestampOffsetNano (UI24 at the start of modExData)
 *   packetType    = UB[4]
 * FOURCC = UI8[4]
 * ```
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { type ByteCursor, readU24Be } from '../bytes/byte-cursor.ts';
import { PacketModExType, fourCcToString } from './flv-constants.ts';

/** The ModEx value of both AudioPacketType and VideoPacketType. */
const MOD_EX = 7;

/** The outcome of {@link readModExChain}. */
export interface ModExResult {
  /** The packet type after the last ModEx block. */
  packetType: number;
  /** TimestampOffsetNano, when a ModEx block carried one (the last one wins). */
  timestampOffsetNs?: number;
}

/**
 * Reads ModEx blocks while `packetType` is ModEx, returning the real packet
 * type. Unknown ModEx types are skipped: their size is explicit. Each block
 * takes at least 2 bytes, so the loop ends with the input.
 *
 * @throws RtmpError FlvInvalid when a block runs past the tag or a
 *   TimestampOffsetNano block is shorter than 3 bytes.
 */
export function readModExChain(c: ByteCursor, packetType: number): ModExResult {
  const out: ModExResult = { packetType };
  while (out.packetType === MOD_EX) {
    let size = c.u8() + 1;
    if (size === 256) size = c.u16be() + 1;
    const data = c.bytesView(size, 'ModEx data');
    const b = c.u8();
    const modExType = b >> 4;
    out.packetType = b & 0x0f;
    if (modExType === PacketModExType.TimestampOffsetNano) {
      if (data.length < 3) {
        throw new RtmpError(RtmpErrorCode.FlvInvalid, `TimestampOffsetNano ModEx needs 3 bytes, got ${data.length}`);
      }
      out.timestampOffsetNs = readU24Be(data, 0);
    }
  }
  return out;
}

/** Reads a FourCC as a 4-character string (bytes as Latin-1). */
export function readFourCc(c: ByteCursor): string {
  const b = c.bytesView(4, 'FourCC');
  return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!);
}

/** A printable rendering of a FourCC string, for error messages. */
export function printableFourCc(fourCc: string): string {
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) b[i] = fourCc.charCodeAt(i) & 0xff;
  return fourCcToString(b);
}

/** Writes a FourCC into `out` at `o`. */
export function writeFourCc(out: Uint8Array, o: number, fourCc: string): void {
  if (fourCc.length !== 4) throw new TypeError(`fourCc must be 4 characters, got "${fourCc}"`);
  for (let i = 0; i < 4; i++) out[o + i] = fourCc.charCodeAt(i) & 0xff;
}
