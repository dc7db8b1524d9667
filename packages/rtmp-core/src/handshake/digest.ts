/**
 * The Flash Player 9 "digest" (a.k.a. "complex") handshake signatures.
 *
 * RTMP 1.0 §5.2 specifies only the simple handshake: C1/S1 are time(4),
 * zero(4) and 1528 random bytes, and C2/S2 echo them. Flash Player 9 and
 * Flash Media Server 3 put a version in the zero field instead and hide an
 * HMAC-SHA256 "digest" in the random bytes; Adobe never published this, so
 * the description below is what FFmpeg (libavformat/rtmpproto.c), librtmp
 * (handshake.h), nginx-rtmp (ngx_rtmp_handshake.c) and node-media-server
 * all agree on.
 *
 * C1 / S1 (1536 bytes, after the 1-byte C0/S0):
 *
 * ```text
 *  0               4               8                          1536
 * +---------------+---------------+-----------------------------+
 * |   time (BE)   | version (4 B) |  1528 bytes, holding a      |
 * |               | never 0.0.0.0 |  32-byte digest (see below) |
 * +---------------+---------------+-----------------------------+
 *
 * scheme 0: offset bytes at  8..11, digest at  12 + (sum of the 4 bytes % 728)
 * scheme 1: offset bytes at 772..775, digest at 776 + (sum of the 4 bytes % 728)
 * digest = HMAC-SHA256(key = first 30 (client) / 36 (server) bytes of the key,
 *                      data = the 1536 bytes without the 32 digest bytes)
 * ```
 *
 * C2 / S2 (1536 bytes): 1504 random bytes, then a 32-byte signature:
 *
 * ```text
 * signature = HMAC-SHA256(key  = HMAC-SHA256(key = full 62/68-byte key,
 *                                            data = the peer's C1/S1 digest),
 *                         data = the 1504 random bytes)
 * S2 uses the full server key (68 bytes) over C1's digest;
 * C2 uses the full player key (62 bytes) over S1's digest.
 * ```
 *
 * The scheme numbering follows librtmp and FFmpeg (scheme 0 = the offset
 * at byte 8, which is what clients and nginx-rtmp's S1 use). SRS numbers
 * them the other way round ("schema0" has the digest in the second half).
 *
 * These keys authenticate nothing (they are public); the digest exists so
 * that servers that insist on a "genuine Flash Player" will talk to us.
 */
import { hmacSha256 } from './sha256.ts';

/** Size of C1/S1/C2/S2 (RTMP 1.0 §5.2.3, §5.2.4). */
export const HANDSHAKE_PACKET_SIZE = 1536;
/** Length of a handshake digest or signature (an HMAC-SHA256). */
export const DIGEST_SIZE = 32;

// The 32 "random crud" bytes that follow the text in both keys.
const KEY_TAIL = [
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
  0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
];

function asciiBytes(s: string): number[] {
  return Array.from(s, (ch) => ch.charCodeAt(0));
}

/**
 * The Flash Player key: "Genuine Adobe Flash Player 001" (30 bytes) and the
 * 32 tail bytes, 62 in all. The first 30 bytes sign C1; all 62 derive the
 * key that signs C2.
 */
export const FLASH_PLAYER_KEY: Uint8Array = new Uint8Array([
  ...asciiBytes('Genuine Adobe Flash Player 001'),
  ...KEY_TAIL,
]);
/** How many bytes of {@link FLASH_PLAYER_KEY} sign C1 (the text part). */
export const FLASH_PLAYER_KEY_TEXT_LENGTH = 30;

/**
 * The Flash Media Server key: "Genuine Adobe Flash Media Server 001" (36
 * bytes) and the 32 tail bytes, 68 in all. The first 36 bytes sign S1; all
 * 68 derive the key that signs S2.
 */
export const FLASH_MEDIA_SERVER_KEY: Uint8Array = new Uint8Array([
  ...asciiBytes('Genuine Adobe Flash Media Server 001'),
  ...KEY_TAIL,
]);
/** How many bytes of {@link FLASH_MEDIA_SERVER_KEY} sign S1 (the text part). */
export const FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH = 36;

/** Where the digest sits in C1/S1: 0 = offset read at byte 8, 1 = at byte 772. */
export type DigestScheme = 0 | 1;

/** The digest schemes in the order peers are searched (FFmpeg and nginx try 1 first). */
export const DIGEST_SCHEMES: readonly DigestScheme[] = [1, 0];

/**
 * The position of the 32-byte digest within a 1536-byte C1/S1 for `scheme`:
 * the sum of four offset bytes, modulo 728, after those four bytes. The
 * modulus keeps the digest inside its 764-byte half (764 - 4 - 32 = 728).
 */
export function digestPosition(packet: Uint8Array, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!;
  return (sum % 728) + base + 4;
}

/** HMAC of a 1536-byte packet, leaving out the 32 bytes at `pos`. */
export function packetDigest(packet: Uint8Array, pos: number, key: Uint8Array): Uint8Array {
  return hmacSha256(key, [
    packet.subarray(0, pos),
    packet.subarray(pos + DIGEST_SIZE, HANDSHAKE_PACKET_SIZE),
  ]);
}

/**
 * Writes the digest into a C1/S1 (whose other 1504 bytes are final) and
 * returns its position. `keyTextLength` is 30 for C1 and 36 for S1.
 */
export function imprintDigest(
  packet: Uint8Array,
  scheme: DigestScheme,
  key: Uint8Array,
  keyTextLength: number,
): number {
  const pos = digestPosition(packet, scheme);
  packet.set(packetDigest(packet, pos, key.subarray(0, keyTextLength)), pos);
  return pos;
}

/** A digest found in a peer's C1/S1. */
export interface FoundDigest {
  /** The scheme whose position held a valid digest. */
  scheme: DigestScheme;
  /** Offset of the digest within the 1536-byte packet. */
  position: number;
  /** The 32 digest bytes (a copy). */
  digest: Uint8Array;
}

/**
 * Looks for a valid digest in a peer's C1/S1, trying both schemes; null
 * when neither verifies (a peer that only does the simple handshake).
 * `keyTextLength` is 30 to check a C1 and 36 to check an S1.
 */
export function findDigest(packet: Uint8Array, key: Uint8Array, keyTextLength: number): FoundDigest | null {
  const k = key.subarray(0, keyTextLength);
  for (const scheme of DIGEST_SCHEMES) {
    const position = digestPosition(packet, scheme);
    const expected = packetDigest(packet, position, k);
    if (bytesEqual(expected, packet.subarray(position, position + DIGEST_SIZE))) {
      return { scheme, position, digest: expected };
    }
  }
  return null;
}

/**
 * The signature that ends a C2/S2: HMAC over its first 1504 bytes, keyed
 * with HMAC(full key, the peer's C1/S1 digest).
 */
export function responseSignature(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Uint8Array {
  const derived = hmacSha256(fullKey, peerDigest);
  return hmacSha256(derived, packet.subarray(0, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE));
}

/** Writes the signature into the last 32 bytes of a C2/S2. */
export function signResponse(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): void {
  packet.set(responseSignature(packet, peerDigest, fullKey), HANDSHAKE_PACKET_SIZE - DIGEST_SIZE);
}

/** True when the last 32 bytes of a C2/S2 are the signature for `peerDigest`. */
export function verifyResponse(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): boolean {
  return bytesEqual(
    responseSignature(packet, peerDigest, fullKey),
    packet.subarray(HANDSHAKE_PACKET_SIZE - DIGEST_SIZE, HANDSHAKE_PACKET_SIZE),
  );
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
