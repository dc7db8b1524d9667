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
 * if packetType == Multitrack:
 *   multitrackType = UB[4]       0 OneTrack, 1 ManyTracks, 2 ManyTracksManyCodecs
 *   packetType     = UB[4]       the packet type of every track (never Multitrack)
 *   if multitrackType != ManyTracksManyCodecs: FOURCC (shared by the tracks)
 * else:
 *   FOURCC
 * ```
 * and the body, one track after another while bytes remain ("ExVideoTagBody",
 * "ExAudioTagBody"; OneTrack has exactly one):
 * ```
 * [FOURCC                        ManyTracksManyCodecs only]
 * trackId = UI8                  0 is the default / best track
 * [sizeOfTrack = UI24            not for OneTrack; counted from after this field]
 * the track's packet body        sizeOfTrack bytes, or the rest for OneTrack
 * ```
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { ByteCursor, readU24Be, writeU24Be } from '../bytes/byte-cursor.ts';
import { AvMultitrackType, PacketModExType, fourCcToString } from './flv-constants.ts';

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

/** The multitrack byte and the shared FourCC of a multitrack header. */
export interface MultitrackHeader {
  /** An {@link AvMultitrackType}. */
  type: AvMultitrackType;
  /** The packet type every track carries. */
  packetType: number;
  /** The tracks' FourCC; undefined for ManyTracksManyCodecs, where each track names its own. */
  fourCc: string | undefined;
}

/**
 * Reads what follows a Multitrack packet type: the multitrack type, the real
 * packet type and, unless every track has its own codec, the FourCC.
 *
 * @param multitrack the Multitrack value of the packet type (5 audio, 6 video)
 * @throws RtmpError FlvInvalid for a reserved multitrack type, a nested
 *   Multitrack or ModEx packet type, or a header cut short.
 */
export function readMultitrackHeader(c: ByteCursor, multitrack: number): MultitrackHeader {
  const b = c.u8();
  const type = b >> 4;
  const packetType = b & 0x0f;
  if (type > AvMultitrackType.ManyTracksManyCodecs) {
    throw new RtmpError(RtmpErrorCode.FlvInvalid, `reserved E-RTMP AvMultitrackType ${type}`);
  }
  // The spec: this fetch MUST NOT give Multitrack again; ModEx belongs before it.
  if (packetType === multitrack || packetType === MOD_EX) {
    throw new RtmpError(RtmpErrorCode.FlvInvalid, `E-RTMP multitrack packet type ${packetType} inside a multitrack message`);
  }
  const fourCc = type === AvMultitrackType.ManyTracksManyCodecs ? undefined : readFourCc(c);
  return { type: type as AvMultitrackType, packetType, fourCc };
}

/** One track's bytes in a multitrack body. */
export interface TrackSlice {
  trackId: number;
  /** Its codec FourCC (the header's, or its own with ManyTracksManyCodecs). */
  fourCc: string;
  /** Its packet body (a view). */
  body: Uint8Array;
}

/**
 * Splits a multitrack body into its tracks. A track's size is explicit, so
 * the tracks after one whose codec or body is bad are still found.
 *
 * @throws RtmpError FlvInvalid when a track header or a `sizeOfTrack` runs
 *   past the message, or a message has no track at all.
 */
export function readTrackSlices(c: ByteCursor, header: MultitrackHeader): TrackSlice[] {
  const tracks: TrackSlice[] = [];
  do {
    const fourCc = header.fourCc ?? readFourCc(c);
    const trackId = c.u8();
    const size = header.type === AvMultitrackType.OneTrack ? c.remaining : c.u24be();
    tracks.push({ trackId, fourCc, body: c.bytesView(size, `track ${trackId} body`) });
  } while (header.type !== AvMultitrackType.OneTrack && c.remaining > 0);
  return tracks;
}

/** One track for {@link buildMultitrackBody}. */
export interface TrackInput {
  /** 0..255; 0 is the default track. */
  trackId: number;
  /** The track's FourCC. */
  fourCc: string;
  /** Its packet body, as the single-track form would carry after the FourCC. */
  body: Uint8Array;
}

/**
 * Builds the multitrack byte, the shared FourCC and the track bodies (all
 * that follows the first byte of a multitrack tag).
 *
 * @throws TypeError when OneTrack has other than one track, a track id is
 *   not 0..255, a body is over 16 MiB - 1, or the tracks of a single-codec
 *   layout do not share one FourCC.
 */
export function buildMultitrackBody(type: AvMultitrackType, packetType: number, tracks: readonly TrackInput[]): Uint8Array {
  if (tracks.length === 0 || (type === AvMultitrackType.OneTrack && tracks.length !== 1)) {
    throw new TypeError(`tracks: ${type === AvMultitrackType.OneTrack ? 'OneTrack takes exactly one' : 'at least one is needed'}, got ${tracks.length}`);
  }
  const perCodec = type === AvMultitrackType.ManyTracksManyCodecs;
  const shared = tracks[0]!.fourCc;
  let size = 1 + (perCodec ? 0 : 4);
  for (const t of tracks) {
    if (!Number.isInteger(t.trackId) || t.trackId < 0 || t.trackId > 255) throw new TypeError(`trackId must be 0..255, got ${t.trackId}`);
    if (t.body.length > 0xffffff) throw new TypeError(`track ${t.trackId} body is over 16 MiB - 1`);
    if (!perCodec && t.fourCc !== shared) throw new TypeError(`tracks of one codec must share a FourCC: "${t.fourCc}" is not "${shared}"`);
    size += (perCodec ? 4 : 0) + 1 + (type === AvMultitrackType.OneTrack ? 0 : 3) + t.body.length;
  }
  const out = new Uint8Array(size);
  out[0] = (type << 4) | (packetType & 0x0f);
  let o = 1;
  if (!perCodec) {
    writeFourCc(out, o, shared);
    o += 4;
  }
  for (const t of tracks) {
    if (perCodec) {
      writeFourCc(out, o, t.fourCc);
      o += 4;
    }
    out[o++] = t.trackId;
    if (type !== AvMultitrackType.OneTrack) {
      writeU24Be(out, o, t.body.length);
      o += 3;
    }
    out.set(t.body, o);
    o += t.body.length;
  }
  return out;
}

/**
 * The error for a FourCC the tag layer does not know: not fatal, and in a
 * multitrack message it costs only its track. `details` name the FourCC (as
 * printable text) and the track.
 */
export function unknownFourCcError(kind: 'audio' | 'video', fourCc: string, trackId?: number): RtmpError {
  const printable = printableFourCc(fourCc);
  return new RtmpError(
    RtmpErrorCode.CodecUnsupported,
    `E-RTMP ${kind} FourCC "${printable}"${trackId === undefined ? '' : ` (track ${trackId})`} is not supported`,
    { fatal: false, details: trackId === undefined ? { fourCc: printable } : { fourCc: printable, trackId } },
  );
}

/**
 * One track of a message: its tag, or the typed error that costs only this
 * track: CodecUnsupported (not fatal) for a FourCC the tag layer does not
 * know (`details.fourCc`) or a legacy codec it does not support, FlvInvalid
 * for a body cut short or a reserved value inside it.
 */
export type TrackResult<T> =
  | { trackId: number; tag: T; error?: undefined }
  | { trackId: number; tag?: undefined; error: RtmpError };

/**
 * Parses one track with `parse`; an RtmpError (only one with code `only`,
 * when given) becomes the track's error instead of failing the message.
 */
export function parseTrack<T>(trackId: number, parse: () => T, only?: RtmpErrorCode): TrackResult<T> {
  try {
    return { trackId, tag: parse() };
  } catch (e) {
    if (e instanceof RtmpError && (only === undefined || e.code === only)) return { trackId, error: e };
    throw e;
  }
}

/**
 * Reads the multitrack header after a Multitrack packet type and parses each
 * track's body with `parseBody` (a cursor over that body alone). A FourCC
 * `known` refuses, or a body `parseBody` finds bad, becomes that track's
 * error; the other tracks still parse. `checkHeader` sees the tracks' packet
 * type first, for what the whole message shares (the video frame type).
 *
 * @throws RtmpError FlvInvalid as {@link readMultitrackHeader} and
 *   {@link readTrackSlices}, and whatever `checkHeader` throws.
 */
export function parseMultitrack<T>(
  c: ByteCursor,
  multitrack: number,
  kind: 'audio' | 'video',
  known: (fourCc: string) => boolean,
  parseBody: (body: ByteCursor, fourCc: string, packetType: number) => T,
  checkHeader: (packetType: number) => void = () => {},
): { multitrack: AvMultitrackType; tracks: TrackResult<T>[] } {
  const mt = readMultitrackHeader(c, multitrack);
  checkHeader(mt.packetType);
  const tracks = readTrackSlices(c, mt).map((t) =>
    parseTrack(t.trackId, () => {
      if (!known(t.fourCc)) throw unknownFourCcError(kind, t.fourCc, t.trackId);
      return parseBody(new ByteCursor(t.body, RtmpErrorCode.FlvInvalid), t.fourCc, mt.packetType);
    }),
  );
  return { multitrack: mt.type, tracks };
}
