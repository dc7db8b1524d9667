/**
 * The server side of the RTMP handshake (RTMP 1.0 §5.2), for in-process
 * fake servers in tests and for anything else that must answer a client.
 *
 * ```text
 *  client                                   server
 *    | C0 + C1 ----------------------------->  |
 *    |  <----------------------- S0 + S1 + S2  |   all three at once
 *    | C2 --------------------------------->   |
 *    | chunk stream (often in the same write as C2)
 * ```
 *
 * It behaves like nginx-rtmp: a C1 whose version field is zero, or which
 * carries no valid digest, gets the simple handshake (S2 echoes C1); a C1
 * with a valid Flash Player digest gets a signed S1 and S2.
 */
import { ByteQueue } from '../bytes/byte-queue.ts';
import { readU32Be, writeU32Be } from '../bytes/byte-cursor.ts';
import { assert, RtmpError, RtmpErrorCode as Code } from '../errors.ts';
import {
  DIGEST_SIZE,
  type DigestScheme,
  findDigest,
  FLASH_MEDIA_SERVER_KEY,
  FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH,
  FLASH_PLAYER_KEY,
  FLASH_PLAYER_KEY_TEXT_LENGTH,
  HANDSHAKE_PACKET_SIZE,
  imprintDigest,
  signResponse,
  verifyResponse,
} from './digest.ts';
import {
  badVersionError,
  checkCommonOptions,
  type HandshakeMode,
  type HandshakeStep,
  type RandomSource,
  RTMP_VERSION,
} from './handshake.ts';

/**
 * The server version a digest-mode S1 carries in bytes 4..7: 13.14.10.13,
 * the value nginx-rtmp sends.
 */
export const SERVER_VERSION = 0x0d0e0a0d;

/** Options for {@link RtmpServerHandshake}. */
export interface ServerHandshakeOptions {
  /**
   * Answer a C1 that carries a valid digest with the digest handshake.
   * Default true. False gives a server that only knows the simple
   * handshake, as some ingest servers are.
   */
  digest?: boolean;
  /**
   * Where S1's digest goes: a scheme, or 'match' to use the scheme the
   * client used (node-media-server does that). Default 0, as nginx-rtmp.
   */
  digestScheme?: DigestScheme | 'match';
  /** Random source. Defaults to `globalThis.crypto.getRandomValues`. */
  random?: RandomSource;
  /** S1's time field (u32). Default 0. */
  epoch?: number;
  /** S1 bytes 4..7 in digest mode. Default {@link SERVER_VERSION}. */
  version?: number;
}

/** The states of {@link RtmpServerHandshake}. */
export type ServerHandshakeStateName = 'awaiting-c0c1' | 'awaiting-c2' | 'done' | 'failed';

type ServerState =
  | { readonly name: 'awaiting-c0c1' }
  | {
      readonly name: 'awaiting-c2';
      readonly s1: Uint8Array;
      // S1's digest in digest mode, which C2's signature is keyed from.
      readonly s1Digest: Uint8Array | null;
    }
  | { readonly name: 'done' }
  | { readonly name: 'failed'; readonly error: RtmpError };

const SERVER_TRANSITIONS: Record<ServerHandshakeStateName, readonly ServerHandshakeStateName[]> = {
  'awaiting-c0c1': ['awaiting-c2', 'failed'],
  'awaiting-c2': ['done'],
  done: [],
  failed: [],
};

/**
 * Answers an RTMP client's handshake. Feed it the client's bytes in any
 * slicing; it returns S0+S1+S2 once C0+C1 are in, and `done` (with the
 * bytes after C2 in `rest`) once C2 is in.
 *
 * C2 is never refused (neither nginx-rtmp nor FFmpeg's listener refuse a
 * bad one); whether it was right is reported in {@link c2Valid}, so tests
 * can assert on what a client sent.
 */
export class RtmpServerHandshake {
  private state: ServerState = { name: 'awaiting-c0c1' };
  private readonly queue = new ByteQueue();
  private readonly useDigest: boolean;
  private readonly scheme: DigestScheme | 'match';
  private readonly random: RandomSource;
  private readonly epoch: number;
  private readonly version: number;
  private clientMode: HandshakeMode | null = null;
  private clientScheme: DigestScheme | null = null;
  private c2Ok: boolean | null = null;
  private c1Epoch: number | null = null;
  private c1Version: number | null = null;

  constructor(options: ServerHandshakeOptions = {}) {
    const common = checkCommonOptions('RtmpServerHandshake', options);
    this.random = common.random;
    this.epoch = common.epoch;
    this.useDigest = options.digest ?? true;
    const scheme = options.digestScheme ?? 0;
    if (scheme !== 0 && scheme !== 1 && scheme !== 'match') {
      throw new TypeError("RtmpServerHandshake: options.digestScheme must be 0, 1 or 'match'");
    }
    this.scheme = scheme;
    const version = options.version ?? SERVER_VERSION;
    if (!Number.isInteger(version) || version <= 0 || version > 0xffffffff) {
      throw new TypeError('RtmpServerHandshake: options.version must be a non-zero u32');
    }
    this.version = version;
  }

  /** The current state. */
  get stateName(): ServerHandshakeStateName {
    return this.state.name;
  }

  /** True once C2 is in. */
  get done(): boolean {
    return this.state.name === 'done';
  }

  /** The handshake answered, known once C1 is in: 'digest' when C1 had a valid digest. */
  get mode(): HandshakeMode | null {
    return this.clientMode;
  }

  /** The scheme of the client's C1 digest, or null (no digest, or not yet known). */
  get clientDigestScheme(): DigestScheme | null {
    return this.clientScheme;
  }

  /** C1's time field, or null before C1. */
  get clientEpoch(): number | null {
    return this.c1Epoch;
  }

  /** C1 bytes 4..7 (the Flash Player version in a digest C1), or null before C1. */
  get clientVersion(): number | null {
    return this.c1Version;
  }

  /**
   * Whether C2 was what the handshake calls for, or null before C2. Digest
   * mode: its signature verifies against S1's digest and the 62-byte Flash
   * Player key (librtmp's server check). Simple mode: bytes 8..1535 echo S1
   * (FFmpeg's listener check, which ignores the two time fields).
   */
  get c2Valid(): boolean | null {
    return this.c2Ok;
  }

  /**
   * Takes bytes from the client. Throws an {@link RtmpError} with code
   * HandshakeBadVersion when C0 is not 3, InvalidState after `done` or a
   * failure. The bytes are copied.
   */
  receive(bytes: Uint8Array): HandshakeStep {
    const s = this.state;
    if (s.name === 'done' || s.name === 'failed') {
      throw new RtmpError(Code.InvalidState, `RtmpServerHandshake.receive() called in state ${s.name}`);
    }
    this.queue.push(bytes.slice());
    let send: Uint8Array | null = null;

    if (this.state.name === 'awaiting-c0c1') {
      if (this.queue.length < 1) return { send: null, done: false, rest: null };
      const version = this.queue.peekU8(0);
      if (version !== RTMP_VERSION) this.fail(badVersionError('client', version));
      if (this.queue.length < 1 + HANDSHAKE_PACKET_SIZE) return { send: null, done: false, rest: null };
      this.queue.consume(1);
      const c1 = new Uint8Array(HANDSHAKE_PACKET_SIZE);
      this.queue.copyOut(0, HANDSHAKE_PACKET_SIZE, c1);
      this.queue.consume(HANDSHAKE_PACKET_SIZE);
      send = this.onC1(c1);
    }

    if (this.state.name === 'awaiting-c2') {
      if (this.queue.length < HANDSHAKE_PACKET_SIZE) return { send, done: false, rest: null };
      const c2 = this.queue.read(HANDSHAKE_PACKET_SIZE);
      const { s1, s1Digest } = this.state;
      this.c2Ok = s1Digest !== null ? verifyResponse(c2, s1Digest, FLASH_PLAYER_KEY) : echoes(c2, s1);
      this.transition({ name: 'done' });
      const rest = this.queue.length > 0 ? this.queue.takeAll() : null;
      return { send, done: true, rest };
    }

    assert(false, `server handshake in unexpected state ${this.state.name}`);
  }

  // C1 is in: build S0+S1+S2.
  private onC1(c1: Uint8Array): Uint8Array {
    this.c1Epoch = readU32Be(c1, 0);
    this.c1Version = readU32Be(c1, 4);
    const out = new Uint8Array(1 + 2 * HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    const s1 = out.subarray(1, 1 + HANDSHAKE_PACKET_SIZE);
    const s2 = out.subarray(1 + HANDSHAKE_PACKET_SIZE);
    writeU32Be(s1, 0, this.epoch);
    this.random(s1.subarray(8));

    // A zero version field means "simple handshake" (nginx-rtmp's test);
    // otherwise look for the Flash Player digest, falling back to simple.
    const found =
      this.useDigest && this.c1Version !== 0
        ? findDigest(c1, FLASH_PLAYER_KEY, FLASH_PLAYER_KEY_TEXT_LENGTH)
        : null;

    if (found === null) {
      // Simple (RTMP 1.0 §5.2.3, §5.2.4): S1 = time, zero, random; S2 echoes C1.
      this.clientMode = 'simple';
      s2.set(c1);
      this.transition({ name: 'awaiting-c2', s1: s1.slice(), s1Digest: null });
      return out;
    }

    this.clientMode = 'digest';
    this.clientScheme = found.scheme;
    writeU32Be(s1, 4, this.version);
    const scheme = this.scheme === 'match' ? found.scheme : this.scheme;
    const pos = imprintDigest(s1, scheme, FLASH_MEDIA_SERVER_KEY, FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH);
    // S2: random bytes signed with a key derived from C1's digest and the
    // full 68-byte server key.
    this.random(s2);
    signResponse(s2, found.digest, FLASH_MEDIA_SERVER_KEY);
    this.transition({ name: 'awaiting-c2', s1: s1.slice(), s1Digest: s1.slice(pos, pos + DIGEST_SIZE) });
    return out;
  }

  private transition(next: ServerState): void {
    assert(
      SERVER_TRANSITIONS[this.state.name].includes(next.name),
      `server handshake: ${this.state.name} -> ${next.name}`,
    );
    this.state = next;
  }

  private fail(error: RtmpError): never {
    this.transition({ name: 'failed', error });
    throw error;
  }
}

// True when C2 echoes S1's random part (bytes 8..1535); the time fields may differ.
function echoes(c2: Uint8Array, s1: Uint8Array): boolean {
  for (let i = 8; i < HANDSHAKE_PACKET_SIZE; i++) if (c2[i] !== s1[i]) return false;
  return true;
}
