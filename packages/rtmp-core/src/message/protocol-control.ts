/**
 * Protocol control messages (RTMP 1.0 §5.4): Set Chunk Size (1), Abort (2),
 * Acknowledgement (3), Window Acknowledgement Size (5), Set Peer Bandwidth (6).
 * Encoders return payloads; parsers check lengths and values.
 */
import { readU32Be, writeU32Be } from '../bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../errors.ts';

/** Largest chunk size RTMP 1.0 §5.4.1 allows (31 bits). */
export const MAX_CHUNK_SIZE = 0x7fffffff;

/** Set Peer Bandwidth limit types (RTMP 1.0 §5.4.5). */
export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;
/** One of {@link PeerBandwidthLimit}. */
export type PeerBandwidthLimit = (typeof PeerBandwidthLimit)[keyof typeof PeerBandwidthLimit];

function u32Payload(v: number): Uint8Array {
  const b = new Uint8Array(4);
  writeU32Be(b, 0, v);
  return b;
}

function readU32Field(payload: Uint8Array, what: string): number {
  if (payload.length < 4) {
    throw new RtmpError(RtmpErrorCode.ControlMessageInvalid, `${what}: payload is ${payload.length} bytes, needs 4`);
  }
  return readU32Be(payload, 0);
}

/** Encodes a Set Chunk Size payload. */
export function encodeSetChunkSize(size: number): Uint8Array {
  if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
    throw new TypeError(`chunkSize must be an integer in 1..${MAX_CHUNK_SIZE}, got ${size}`);
  }
  return u32Payload(size);
}

/**
 * Parses a Set Chunk Size payload. The top bit must be zero and the size at
 * least 1 (§5.4.1); `max` caps what we accept.
 */
export function parseSetChunkSize(payload: Uint8Array, max = MAX_CHUNK_SIZE): number {
  const v = readU32Field(payload, 'Set Chunk Size');
  if (v === 0 || v > MAX_CHUNK_SIZE || v > max) {
    throw new RtmpError(RtmpErrorCode.ChunkSizeInvalid, `Set Chunk Size of ${v} is invalid (allowed 1..${max})`);
  }
  return v;
}

/** Encodes an Abort payload naming a chunk stream id. */
export function encodeAbort(csid: number): Uint8Array {
  return u32Payload(csid);
}

/** Parses an Abort payload: the chunk stream id whose partial message to drop. */
export function parseAbort(payload: Uint8Array): number {
  return readU32Field(payload, 'Abort');
}

/** Encodes an Acknowledgement payload: the sequence number (bytes received, mod 2^32). */
export function encodeAcknowledgement(sequenceNumber: number): Uint8Array {
  return u32Payload(sequenceNumber >>> 0);
}

/** Parses an Acknowledgement payload. */
export function parseAcknowledgement(payload: Uint8Array): number {
  return readU32Field(payload, 'Acknowledgement');
}

/** Encodes a Window Acknowledgement Size payload. */
export function encodeWindowAckSize(size: number): Uint8Array {
  return u32Payload(size >>> 0);
}

/**
 * Parses a Window Acknowledgement Size payload. A window of 0 would mean an
 * Acknowledgement after every byte; we refuse it as invalid.
 */
export function parseWindowAckSize(payload: Uint8Array): number {
  const v = readU32Field(payload, 'Window Acknowledgement Size');
  if (v === 0) throw new RtmpError(RtmpErrorCode.ControlMessageInvalid, 'Window Acknowledgement Size of 0 is invalid');
  return v;
}

/** Encodes a Set Peer Bandwidth payload. */
export function encodeSetPeerBandwidth(size: number, limit: PeerBandwidthLimit): Uint8Array {
  const b = new Uint8Array(5);
  writeU32Be(b, 0, size >>> 0);
  b[4] = limit;
  return b;
}

/** Parses a Set Peer Bandwidth payload (window size and limit type). */
export function parseSetPeerBandwidth(payload: Uint8Array): { size: number; limit: PeerBandwidthLimit } {
  if (payload.length < 5) {
    throw new RtmpError(RtmpErrorCode.ControlMessageInvalid, `Set Peer Bandwidth: payload is ${payload.length} bytes, needs 5`);
  }
  const size = readU32Be(payload, 0);
  const limit = payload[4]!;
  if (limit > 2) throw new RtmpError(RtmpErrorCode.ControlMessageInvalid, `Set Peer Bandwidth: unknown limit type ${limit}`);
  if (size === 0) throw new RtmpError(RtmpErrorCode.ControlMessageInvalid, 'Set Peer Bandwidth of 0 is invalid');
  return { size, limit: limit as PeerBandwidthLimit };
}
