/**
 * The RTMP client handshake (RTMP 1.0 §5.2) as a sans-I/O state machine.
 *
 * ```text
 *  client                                   server
 *    | C0 (1: version 3) + C1 (1536) ------->  |
 *    |  <------ S0 (1: version 3) + S1 (1536)  |
 *    |  <------------------------- S2 (1536)   |   S2 may come before or
 *    | C2 (1536) --------------------------->  |   after we send C2
 *    |  <======== chunk stream (§5.3) ======>  |
 *
 * C1/S1 (§5.2.3):  time (4, BE) | zero (4) | random (1528)
 * C2/S2 (§5.2.4):  time (4)     | time2 (4) | random echo (1528)
 * ```
 *
 * Simple handshake (the spec's): C1 is time + zero + random, and C2 echoes
 * S1 byte for byte. The digest handshake (Flash Player 9, see `digest.ts`)
 * signs C1 and, when the server signs S1, sends a signed C2 instead.
 *
 * The class owns no socket and no timer: `start()` returns C0+C1 to send,
 * and `receive()` takes whatever bytes arrived, in any slicing, and says
 * what to send and whether the handshake is over. Timeouts belong to the
 * caller's transport.
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

/** The only RTMP version this stack speaks in C0/S0 (RTMP 1.0 §5.2.2). */
export const RTMP_VERSION = 3;

/**
 * The Flash Player version a digest-handshake C1 claims, as the u32 in C1
 * bytes 4..7: 9.0.124.2, as FFmpeg sends. Any non-zero value tells the
 * server "digest handshake"; nginx-rtmp only checks that it is non-zero.
 */
export const FLASH_PLAYER_VERSION = 0x09007c02;

/** What one `receive()` call produced. */
export interface HandshakeStep {
  /**
   * Bytes to send to the peer now, or null. Send them whenever non-null:
   * the client's C2 comes as soon as S1 is in, which may be before S2.
   */
  send: Uint8Array | null;
  /** True once the handshake is complete: the chunk stream starts now. */
  done: boolean;
  /**
   * When `done`: bytes received past the handshake (the start of the chunk
   * stream), or null if there were none. Always null before `done`.
   */
  rest: Uint8Array | null;
}

/** Which handshake the server answered with. */
export type HandshakeMode = 'simple' | 'digest';

/** A function that fills its argument with random bytes. */
export type RandomSource = (bytes: Uint8Array) => void;

/** Options for {@link RtmpClientHandshake}. */
export interface ClientHandshakeOptions {
  /**
   * Send a Flash Player 9 digest C1 (the "complex" handshake) instead of
   * the spec's simple one. Default false. Servers that only do the simple
   * handshake still work: see {@link RtmpClientHandshake.mode}.
   */
  digest?: boolean;
  /** Where the C1 digest goes. Default 0, as FFmpeg, librtmp and nginx-rtmp send. */
  digestScheme?: DigestScheme;
  /** Random source. Defaults to `globalThis.crypto.getRandomValues`. Inject for tests. */
  random?: RandomSource;
  /**
   * The time field of C1 (u32, milliseconds; RTMP 1.0 §5.2.3). Default 0,
   * which the spec allows and FFmpeg sends.
   */
  epoch?: number;
}

/** The states of {@link RtmpClientHandshake}, as reported by its `state`. */
export type ClientHandshakeStateName = 'idle' | 'awaiting-s0s1' | 'awaiting-s2' | 'done' | 'failed';

// Per-state data, one variant per state (STYLE.md point 8).
type ClientState =
  | { readonly name: 'idle' }
  | { readonly name: 'awaiting-s0s1'; readonly c1Digest: Uint8Array | null }
  | { readonly name: 'awaiting-s2'; readonly c1Digest: Uint8Array | null; readonly mode: HandshakeMode }
  | { readonly name: 'done' }
  | { readonly name: 'failed'; readonly error: RtmpError };

const CLIENT_TRANSITIONS: Record<ClientHandshakeStateName, readonly ClientHandshakeStateName[]> = {
  idle: ['awaiting-s0s1'],
  'awaiting-s0s1': ['awaiting-s2', 'failed'],
  'awaiting-s2': ['done', 'failed'],
  done: [],
  failed: [],
};

/** The default {@link RandomSource}: WebCrypto's `getRandomValues`, in browsers, Workers and Node. */
export function defaultRandom(): RandomSource {
  const c = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => Uint8Array } }).crypto;
  if (typeof c?.getRandomValues !== 'function') {
    throw new TypeError('no globalThis.crypto.getRandomValues here: pass the `random` option');
  }
  return (b) => {
    c.getRandomValues!(b);
  };
}

/**
 * Checks the `random` and `epoch` options shared by both handshake sides.
 * @internal
 */
export function checkCommonOptions(
  who: string,
  options: { random?: RandomSource; epoch?: number },
): { random: RandomSource; epoch: number } {
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new TypeError(`${who}: options.random must be a function`);
  }
  const epoch = options.epoch ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) {
    throw new TypeError(`${who}: options.epoch must be an integer from 0 to 2^32-1`);
  }
  return { random: options.random ?? defaultRandom(), epoch };
}

/**
 * Explains a C0/S0 version other than 3. The byte says a lot about what is
 * on the other end, so say it: users point RTMP at TLS and HTTP ports.
 * @internal
 */
export function badVersionError(peer: 'server' | 'client', version: number): RtmpError {
  const hex = `0x${version.toString(16).padStart(2, '0')}`;
  let hint: string;
  if (version === 6 || version === 8 || version === 9) {
    hint = `that is RTMPE (Adobe's encrypted RTMP), which is not supported; use rtmp:// or rtmps:// (RTMP over TLS)`;
  } else if (version === 0x16 || version === 0x15) {
    hint = 'that looks like TLS: the endpoint probably expects rtmps://';
  } else if (version === 0x48) {
    hint = 'that looks like an HTTP response ("H"): is this an HTTP port?';
  } else {
    hint = 'this is not an RTMP peer, or not RTMP 1.0';
  }
  return new RtmpError(
    Code.HandshakeBadVersion,
    `RTMP handshake: ${peer} sent version ${version} (${hex}) where 3 is required; ${hint}`,
    { details: { version } },
  );
}

/**
 * The client side of the RTMP handshake (RTMP 1.0 §5.2).
 *
 * ```ts
 * const hs = new RtmpClientHandshake({ digest: true });
 * socket.write(hs.start());
 * socket.on('data', (bytes) => {
 *   const { send, done, rest } = hs.receive(bytes);
 *   if (send) socket.write(send);
 *   if (done) startChunkStream(rest);
 * });
 * ```
 *
 * Accepted server behaviour, deliberately broad because real servers differ:
 * - S0 must be 3, else {@link RtmpErrorCode.HandshakeBadVersion} (checked on
 *   the first byte, so an HTTP or TLS answer fails at once).
 * - S1 may hold anything (YouTube's has non-zero version bytes but no
 *   digest; nginx-rtmp echoes C1 back as S1 when it falls back to simple).
 * - S2 is not compared with C1 in simple mode: many servers echo it
 *   imperfectly, and librtmp only warns about it.
 *
 * C2 is sent as soon as S1 is complete, without waiting for S2. The spec
 * only requires S1 before C2 (§5.2.1), librtmp does the same, and it
 * cannot deadlock with a server that holds S2 back until it has C2.
 *
 * Digest mode (`digest: true`): C1 carries version 9.0.124.2 and a digest.
 * - If S1 has a valid digest (either scheme), C2 is 1504 random bytes and a
 *   signature derived from S1's digest with the 62-byte Flash Player key,
 *   as FFmpeg, librtmp and nginx-rtmp's client compute it; S2's signature
 *   is then checked against our C1 digest and the 68-byte server key and
 *   reported in {@link s2DigestValid}. A bad S2 signature does not fail the
 *   handshake: the keys are public, so it proves nothing about the server,
 *   and FFmpeg as a publisher never checks S1 or S2 at all. FFmpeg as a
 *   player and librtmp do refuse a bad S2; a caller that wants to can do
 *   the same by checking `s2DigestValid` when `done`.
 * - If S1 has no valid digest, the server only does the simple handshake,
 *   so we fall back to it and echo S1 as C2. Refusing would lose servers
 *   that work perfectly well; nginx-rtmp does the same fallback server-side.
 */
export class RtmpClientHandshake {
  private state: ClientState = { name: 'idle' };
  private readonly queue = new ByteQueue();
  private readonly useDigest: boolean;
  private readonly scheme: DigestScheme;
  private readonly random: RandomSource;
  private readonly epoch: number;
  private serverMode: HandshakeMode | null = null;
  private s2Valid = false;
  private s1Epoch: number | null = null;
  private s1Version: number | null = null;

  constructor(options: ClientHandshakeOptions = {}) {
    const common = checkCommonOptions('RtmpClientHandshake', options);
    this.random = common.random;
    this.epoch = common.epoch;
    if (options.digest !== undefined && typeof options.digest !== 'boolean') {
      throw new TypeError('RtmpClientHandshake: options.digest must be a boolean');
    }
    this.useDigest = options.digest ?? false;
    const scheme = options.digestScheme ?? 0;
    if (scheme !== 0 && scheme !== 1) {
      throw new TypeError('RtmpClientHandshake: options.digestScheme must be 0 or 1');
    }
    this.scheme = scheme;
  }

  /** The current state. */
  get stateName(): ClientHandshakeStateName {
    return this.state.name;
  }

  /** True once S0, S1 and S2 are in and C2 was handed out. */
  get done(): boolean {
    return this.state.name === 'done';
  }

  /**
   * Which handshake took place, known once S1 is in (null before):
   * 'digest' when we sent a digest C1 and S1 carried a valid digest,
   * else 'simple' (including the fallback when S1 had none).
   */
  get mode(): HandshakeMode | null {
    return this.serverMode;
  }

  /**
   * True when S2 carried the signature the digest handshake calls for.
   * Always false in simple mode (there is nothing to check) and until S2
   * is in. Informational only: see the class docblock.
   */
  get s2DigestValid(): boolean {
    return this.s2Valid;
  }

  /** S1's time field (u32), or null before S1. Diagnostic. */
  get serverEpoch(): number | null {
    return this.s1Epoch;
  }

  /**
   * S1 bytes 4..7 as a u32 (zero per §5.2.3; a server version such as
   * 0x0d0e0a0d from nginx-rtmp in digest mode), or null before S1.
   */
  get serverVersion(): number | null {
    return this.s1Version;
  }

  /**
   * Returns C0+C1 (1537 bytes) to send. Call once, before `receive()`.
   */
  start(): Uint8Array {
    if (this.state.name !== 'idle') {
      throw new RtmpError(Code.InvalidState, `RtmpClientHandshake.start() called in state ${this.state.name}`);
    }
    const out = new Uint8Array(1 + HANDSHAKE_PACKET_SIZE);
    out[0] = RTMP_VERSION;
    const c1 = out.subarray(1);
    writeU32Be(c1, 0, this.epoch);
    this.random(c1.subarray(8));
    let c1Digest: Uint8Array | null = null;
    if (this.useDigest) {
      writeU32Be(c1, 4, FLASH_PLAYER_VERSION);
      const pos = imprintDigest(c1, this.scheme, FLASH_PLAYER_KEY, FLASH_PLAYER_KEY_TEXT_LENGTH);
      c1Digest = c1.slice(pos, pos + DIGEST_SIZE);
    }
    // Bytes 4..7 stay zero in simple mode (§5.2.3): `out` is zero-filled.
    this.transition({ name: 'awaiting-s0s1', c1Digest });
    return out;
  }

  /**
   * Takes bytes from the server, in any slicing (one byte at a time works).
   * Never throws for input that is merely short. Throws an {@link RtmpError}
   * with code HandshakeBadVersion when S0 is not 3, and InvalidState when
   * called before `start()`, after `done`, or after a failure.
   *
   * The bytes are copied, so the caller may reuse its buffer.
   */
  receive(bytes: Uint8Array): HandshakeStep {
    const s = this.state;
    if (s.name !== 'awaiting-s0s1' && s.name !== 'awaiting-s2') {
      throw new RtmpError(Code.InvalidState, `RtmpClientHandshake.receive() called in state ${s.name}`);
    }
    this.queue.push(bytes.slice());
    let send: Uint8Array | null = null;

    if (this.state.name === 'awaiting-s0s1') {
      if (this.queue.length < 1) return { send: null, done: false, rest: null };
      const version = this.queue.peekU8(0);
      if (version !== RTMP_VERSION) this.fail(badVersionError('server', version));
      if (this.queue.length < 1 + HANDSHAKE_PACKET_SIZE) return { send: null, done: false, rest: null };
      this.queue.consume(1);
      const s1 = new Uint8Array(HANDSHAKE_PACKET_SIZE);
      this.queue.copyOut(0, HANDSHAKE_PACKET_SIZE, s1);
      this.queue.consume(HANDSHAKE_PACKET_SIZE);
      send = this.onS1(s1, this.state.c1Digest);
    }

    if (this.state.name === 'awaiting-s2') {
      if (this.queue.length < HANDSHAKE_PACKET_SIZE) return { send, done: false, rest: null };
      const s2 = this.queue.read(HANDSHAKE_PACKET_SIZE);
      const { c1Digest, mode } = this.state;
      // Only a digest exchange defines what S2 must be; in simple mode many
      // servers echo C1 imperfectly, so S2 is not looked at (§5.2.4).
      if (mode === 'digest' && c1Digest !== null) {
        this.s2Valid = verifyResponse(s2, c1Digest, FLASH_MEDIA_SERVER_KEY);
      }
      this.transition({ name: 'done' });
      const rest = this.queue.length > 0 ? this.queue.takeAll() : null;
      return { send, done: true, rest };
    }

    assert(false, `client handshake in unexpected state ${this.state.name}`);
  }

  // S1 is in: decide the mode and build C2.
  private onS1(s1: Uint8Array, c1Digest: Uint8Array | null): Uint8Array {
    this.s1Epoch = readU32Be(s1, 0);
    this.s1Version = readU32Be(s1, 4);
    const found = c1Digest === null ? null : findDigest(s1, FLASH_MEDIA_SERVER_KEY, FLASH_MEDIA_SERVER_KEY_TEXT_LENGTH);
    if (found === null) {
      // Simple handshake, or the digest fallback: C2 echoes S1 (§5.2.4).
      this.serverMode = 'simple';
      this.transition({ name: 'awaiting-s2', c1Digest, mode: 'simple' });
      return s1;
    }
    // Digest handshake: random bytes signed with a key derived from S1's
    // digest and the full 62-byte Flash Player key.
    const c2 = new Uint8Array(HANDSHAKE_PACKET_SIZE);
    this.random(c2);
    signResponse(c2, found.digest, FLASH_PLAYER_KEY);
    this.serverMode = 'digest';
    this.transition({ name: 'awaiting-s2', c1Digest, mode: 'digest' });
    return c2;
  }

  // The one transition function: checks the move is allowed.
  private transition(next: ClientState): void {
    assert(
      CLIENT_TRANSITIONS[this.state.name].includes(next.name),
      `client handshake: ${this.state.name} -> ${next.name}`,
    );
    this.state = next;
  }

  // The one failure funnel: every error that ends the handshake goes here.
  private fail(error: RtmpError): never {
    this.transition({ name: 'failed', error });
    throw error;
  }
}
