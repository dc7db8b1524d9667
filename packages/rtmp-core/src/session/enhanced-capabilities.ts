/**
 * Enhanced RTMP's codec capabilities in `connect` (E-RTMP v1 `fourCcList`;
 * v2 "Enhancing NetConnection connect Command": `videoFourCcInfoMap`,
 * `audioFourCcInfoMap`): what a client says it can decode or encode, and
 * what a server says back in its `_result` properties.
 *
 * Servers that speak Enhanced RTMP (MediaMTX, for one) send its codecs only
 * to clients that list them; `fourCcList` is for servers that know only v1.
 * A map key `*` stands for every codec.
 */
import type { AmfValue } from '../amf/amf-value.ts';

/** The flags of a FourCC info map entry (E-RTMP v2, enum FourCcInfoMask). */
export const FourCcInfoMask = {
  CanDecode: 0x01,
  CanEncode: 0x02,
  CanForward: 0x04,
} as const;

/** FourCC → {@link FourCcInfoMask} flags, per kind of track. */
export interface CodecCapabilities {
  video: Readonly<Record<string, number>>;
  audio: Readonly<Record<string, number>>;
}

/** The `connect` command object fields that declare `c`: `fourCcList` (every FourCC with any flag) and both info maps. */
export function connectCapabilityFields(c: CodecCapabilities): Record<string, AmfValue> {
  const listed = (m: Readonly<Record<string, number>>): string[] => Object.keys(m).filter((k) => m[k]! > 0);
  return {
    fourCcList: [...listed(c.video), ...listed(c.audio)],
    videoFourCcInfoMap: { ...c.video },
    audioFourCcInfoMap: { ...c.audio },
  };
}

/** What a peer declared: its maps and `capsEx`, each undefined when it sent none. */
export interface PeerCapabilities {
  video?: Record<string, number>;
  audio?: Record<string, number>;
  /** v1: the FourCCs it listed. */
  fourCcList?: string[];
  capsEx?: number;
}

/** Reads the capabilities in a `connect` command object or a `_result`'s properties; ignores malformed fields. */
export function readPeerCapabilities(properties: Readonly<Record<string, AmfValue>> | null | undefined): PeerCapabilities {
  const out: PeerCapabilities = {};
  if (properties == null) return out;
  const map = (v: AmfValue | undefined): Record<string, number> | undefined => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || ArrayBuffer.isView(v)) return undefined;
    const m: Record<string, number> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) m[k] = x;
    return m;
  };
  const video = map(properties.videoFourCcInfoMap);
  const audio = map(properties.audioFourCcInfoMap);
  if (video !== undefined) out.video = video;
  if (audio !== undefined) out.audio = audio;
  const list = properties.fourCcList;
  if (Array.isArray(list)) out.fourCcList = list.filter((x): x is string => typeof x === 'string');
  const caps = properties.capsEx;
  if (typeof caps === 'number' && Number.isInteger(caps) && caps >= 0) out.capsEx = caps;
  return out;
}

/**
 * Whether a peer declared that it can handle `fourCc` of `kind` with any of
 * `mask`'s flags: true or false from its info map (or its `fourCcList`, which
 * grants everything it lists), undefined when it declared nothing for that
 * kind (a server that does not speak v2: assume nothing).
 */
export function peerHandles(peer: PeerCapabilities, kind: 'video' | 'audio', fourCc: string, mask: number): boolean | undefined {
  const m = peer[kind];
  if (m !== undefined) return ((m[fourCc] ?? m['*'] ?? 0) & mask) !== 0;
  const list = peer.fourCcList;
  if (list === undefined) return undefined;
  if (list.includes(fourCc) || list.includes('*')) return true;
  // v1's list named video codecs only: an audio codec missing from it says nothing.
  return kind === 'video' ? false : undefined;
}
