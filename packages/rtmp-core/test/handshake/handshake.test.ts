import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, readU32Be } from '../../src/bytes/byte-cursor.ts';
import { isRtmpError, RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import { FLASH_MEDIA_SERVER_KEY, FLASH_PLAYER_KEY } from '../../src/handshake/digest.ts';
import {
  FLASH_PLAYER_VERSION,
  type HandshakeStep,
  RtmpClientHandshake,
} from '../../src/handshake/handshake.ts';
import { RtmpServerHandshake, SERVER_VERSION } from '../../src/handshake/server-handshake.ts';
import { handshakeFixtures, handshakeFuzzTarget } from '../fixtures/handshake-fixtures.ts';
import { codeOf } from '../error-code.ts';

const PACKET = 1536;

// ---------------------------------------------------------------- helpers

/** A seeded random source (mulberry32), so every run sends the same bytes. */
function seeded(seed: number): (b: Uint8Array) => void {
  let a = seed >>> 0;
  return (b) => {
    for (let i = 0; i < b.length; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      b[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
    }
  };
}

function prng(seed: number): () => number {
  const fill = seeded(seed);
  const b = new Uint8Array(4);
  return () => {
    fill(b);
    return readU32Be(b, 0) / 0x100000000;
  };
}

type Splitter = (bytes: Uint8Array) => Uint8Array[];
const whole: Splitter = (b) => [b];
const byteAtATime: Splitter = (b) => Array.from({ length: b.length }, (_, i) => b.subarray(i, i + 1));
function randomSplits(seed: number): Splitter {
  const r = prng(seed);
  return (b) => {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < b.length) {
      // Mostly small pieces, sometimes big ones, sometimes empty ones.
      const n = r() < 0.1 ? 0 : r() < 0.5 ? 1 + Math.floor(r() * 7) : 1 + Math.floor(r() * 2000);
      out.push(b.subarray(i, i + n));
      i += n;
    }
    return out;
  };
}

/**
 * Feeds pieces as a transport would: once a step says `done`, later pieces
 * belong to the chunk stream, so they join `rest` instead.
 */
function feed(hs: { receive(b: Uint8Array): HandshakeStep }, pieces: Uint8Array[]): HandshakeStep[] {
  const steps: HandshakeStep[] = [];
  for (const p of pieces) {
    if (steps.at(-1)?.done) steps.push({ send: null, done: true, rest: p });
    else steps.push(hs.receive(p));
  }
  return steps;
}

/** Collects what a series of steps says to send, and everything past the handshake. */
function summarize(steps: HandshakeStep[]): { sent: Uint8Array; done: boolean; rest: Uint8Array } {
  const sent = concatBytes(steps.flatMap((s) => (s.send ? [s.send] : [])));
  const rest = concatBytes(steps.flatMap((s) => (s.rest ? [s.rest] : [])));
  // Nothing is sent after done, and rest only comes with done.
  const firstDone = steps.findIndex((s) => s.done);
  for (const [i, s] of steps.entries()) {
    if (firstDone >= 0 && i > firstDone) expect(s.send).toBeNull();
    if (!s.done) expect(s.rest).toBeNull();
  }
  return { sent, done: firstDone >= 0, rest };
}

/**
 * Runs a client against a server, each delivering to the other in the
 * given slicing. Extra bytes are appended after S0+S1+S2 and after C2, as
 * the first chunks would be, and must come out as `rest`.
 */
function runPair(
  client: RtmpClientHandshake,
  server: RtmpServerHandshake,
  split: Splitter,
): { c0c1: Uint8Array; s0s1s2: Uint8Array; c2: Uint8Array } {
  const afterS2 = Uint8Array.of(0x02, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0, 0, 0x10, 0);
  const afterC2 = Uint8Array.of(0x03, 0, 0, 0, 0, 0, 3, 0x14, 0, 0, 0, 0, 0xaa, 0xbb, 0xcc);

  const c0c1 = client.start();
  expect(c0c1.length).toBe(1 + PACKET);
  const serverOut = summarize(feed(server, split(c0c1)));
  expect(serverOut.done).toBe(false);
  const s0s1s2 = serverOut.sent;
  expect(s0s1s2.length).toBe(1 + 2 * PACKET);

  const clientOut = summarize(feed(client, split(concatBytes([s0s1s2, afterS2]))));
  expect(clientOut.done).toBe(true);
  expect(client.done).toBe(true);
  expect(clientOut.rest).toEqual(afterS2);
  const c2 = clientOut.sent;
  expect(c2.length).toBe(PACKET);

  const serverEnd = summarize(feed(server, split(concatBytes([c2, afterC2]))));
  expect(serverEnd.done).toBe(true);
  expect(serverEnd.sent.length).toBe(0);
  expect(serverEnd.rest).toEqual(afterC2);
  return { c0c1, s0s1s2, c2 };
}


// An independent oracle for the digest handshake, written from how
// nginx-rtmp's ngx_rtmp_find_digest() and librtmp's HandShake() compute it,
// on node:crypto rather than our sha256.ts.
const oracle = {
  hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
    const h = createHmac('sha256', key);
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  },
  /** nginx-rtmp: try base 772, then base 8; null if neither verifies. */
  findDigest(packet: Uint8Array, key: Uint8Array): { base: number; pos: number } | null {
    for (const base of [772, 8]) {
      const pos = ((packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!) % 728) + base + 4;
      const d = oracle.hmac(key, packet.subarray(0, pos), packet.subarray(pos + 32));
      if (Buffer.from(d).equals(Buffer.from(packet.subarray(pos, pos + 32)))) return { base, pos };
    }
    return null;
  },
  /** librtmp: the signature a C2/S2 must end with. */
  responseSignature(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Uint8Array {
    return oracle.hmac(oracle.hmac(fullKey, peerDigest), packet.subarray(0, PACKET - 32));
  },
};
const PLAYER_TEXT = new TextEncoder().encode('Genuine Adobe Flash Player 001');
const SERVER_TEXT = new TextEncoder().encode('Genuine Adobe Flash Media Server 001');

// ---------------------------------------------------------------- keys

describe('digest handshake keys', () => {
  it('are the published text plus the same 32 tail bytes', () => {
    expect(FLASH_PLAYER_KEY.length).toBe(62);
    expect(FLASH_MEDIA_SERVER_KEY.length).toBe(68);
    expect(FLASH_PLAYER_KEY.subarray(0, 30)).toEqual(PLAYER_TEXT);
    expect(FLASH_MEDIA_SERVER_KEY.subarray(0, 36)).toEqual(SERVER_TEXT);
    expect(FLASH_PLAYER_KEY.subarray(30)).toEqual(FLASH_MEDIA_SERVER_KEY.subarray(36));
    expect(Buffer.from(FLASH_PLAYER_KEY.subarray(30)).toString('hex')).toBe(
      'f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae',
    );
  });
});

// ---------------------------------------------------------------- C0+C1

describe('RtmpClientHandshake.start', () => {
  it('simple: C0 = 3, time = epoch, zero field, then the random source', () => {
    const c = new RtmpClientHandshake({ random: seeded(1), epoch: 0x01020304 });
    const out = c.start();
    expect(out.length).toBe(1537);
    expect(out[0]).toBe(3);
    expect(Array.from(out.subarray(1, 9))).toEqual([1, 2, 3, 4, 0, 0, 0, 0]);
    const expected = new Uint8Array(1528);
    seeded(1)(expected);
    expect(out.subarray(9)).toEqual(expected);
    expect(c.stateName).toBe('awaiting-s0s1');
  });

  it('is deterministic for an injected random source', () => {
    const a = new RtmpClientHandshake({ digest: true, random: seeded(9) }).start();
    const b = new RtmpClientHandshake({ digest: true, random: seeded(9) }).start();
    expect(a).toEqual(b);
  });

  it.each([0, 1] as const)('digest scheme %i: version 9.0.124.2 and a digest nginx-rtmp finds', (scheme) => {
    for (let seed = 1; seed <= 40; seed++) {
      const out = new RtmpClientHandshake({ digest: true, digestScheme: scheme, random: seeded(seed) }).start();
      expect(out[0]).toBe(3);
      const c1 = out.subarray(1);
      expect(readU32Be(c1, 4)).toBe(FLASH_PLAYER_VERSION);
      expect(Array.from(c1.subarray(4, 8))).toEqual([9, 0, 124, 2]);
      const found = oracle.findDigest(c1, PLAYER_TEXT);
      expect(found?.base, `seed ${seed}`).toBe(scheme === 0 ? 8 : 772);
      // And it is not a server digest.
      expect(oracle.findDigest(c1, SERVER_TEXT)).toBeNull();
    }
  });

  it('refuses a second start()', () => {
    const c = new RtmpClientHandshake({ random: seeded(1) });
    c.start();
    expect(codeOf(() => c.start())).toBe(RtmpErrorCode.InvalidState);
  });
});

// ---------------------------------------------------------------- client vs server

describe('client against the in-process server', () => {
  const splitters: [string, (seed: number) => Splitter][] = [
    ['whole', () => whole],
    ['one byte at a time', () => byteAtATime],
    ['random splits', (seed) => randomSplits(seed)],
  ];
  const cases = [
    { client: false, server: true, mode: 'simple' },
    { client: false, server: false, mode: 'simple' },
    { client: true, server: false, mode: 'simple' },
    { client: true, server: true, mode: 'digest' },
  ] as const;

  for (const [splitName, makeSplit] of splitters) {
    for (const k of cases) {
      it(`${splitName}: client digest=${k.client}, server digest=${k.server} -> ${k.mode}`, () => {
        for (let seed = 1; seed <= (splitName === 'random splits' ? 25 : 3); seed++) {
          const client = new RtmpClientHandshake({ digest: k.client, random: seeded(seed), epoch: 1234 });
          const server = new RtmpServerHandshake({ digest: k.server, random: seeded(seed + 1000), epoch: 99 });
          const { s0s1s2, c2 } = runPair(client, server, makeSplit(seed));
          expect(client.mode).toBe(k.mode);
          expect(server.mode).toBe(k.mode);
          expect(server.c2Valid).toBe(true);
          expect(client.s2DigestValid).toBe(k.mode === 'digest');
          expect(client.serverEpoch).toBe(99);
          expect(server.clientEpoch).toBe(1234);
          if (k.mode === 'simple') {
            // C2 echoes S1 byte for byte (RTMP 1.0 §5.2.4).
            expect(c2).toEqual(s0s1s2.subarray(1, 1 + PACKET));
            expect(client.serverVersion).toBe(0);
          } else {
            expect(client.serverVersion).toBe(SERVER_VERSION);
          }
        }
      });
    }
  }

  it.each([0, 1, 'match'] as const)('digest: server S1 scheme %s is found, C2 and S2 verify by the oracle', (s1Scheme) => {
    for (const clientScheme of [0, 1] as const) {
      const client = new RtmpClientHandshake({ digest: true, digestScheme: clientScheme, random: seeded(5) });
      const server = new RtmpServerHandshake({ digestScheme: s1Scheme, random: seeded(6) });
      const { c0c1, s0s1s2, c2 } = runPair(client, server, whole);
      expect(client.mode).toBe('digest');
      expect(server.clientDigestScheme).toBe(clientScheme);
      const c1 = c0c1.subarray(1);
      const s1 = s0s1s2.subarray(1, 1 + PACKET);
      const s2 = s0s1s2.subarray(1 + PACKET);
      const c1d = oracle.findDigest(c1, PLAYER_TEXT)!;
      const s1d = oracle.findDigest(s1, SERVER_TEXT)!;
      const wantBase = (s1Scheme === 'match' ? clientScheme : s1Scheme) === 0 ? 8 : 772;
      expect(s1d.base).toBe(wantBase);
      // C2 = random + HMAC(HMAC(62-byte player key, S1 digest), C2[0..1504]),
      // which is what librtmp's SHandShake checks.
      const s1Digest = s1.subarray(s1d.pos, s1d.pos + 32);
      expect(c2.subarray(PACKET - 32)).toEqual(oracle.responseSignature(c2, s1Digest, FLASH_PLAYER_KEY));
      // S2 = random + HMAC(HMAC(68-byte server key, C1 digest), S2[0..1504]).
      const c1Digest = c1.subarray(c1d.pos, c1d.pos + 32);
      expect(s2.subarray(PACKET - 32)).toEqual(oracle.responseSignature(s2, c1Digest, FLASH_MEDIA_SERVER_KEY));
      expect(client.s2DigestValid).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- server answers we did not make

describe('client against other servers', () => {
  function serverBytes(s1: Uint8Array, s2: Uint8Array): Uint8Array {
    return concatBytes([Uint8Array.of(3), s1, s2]);
  }
  function randomPacket(seed: number): Uint8Array {
    const p = new Uint8Array(PACKET);
    seeded(seed)(p);
    return p;
  }

  it('YouTube-like S1 (non-zero version, no digest): digest client falls back and echoes S1', () => {
    const s1 = randomPacket(1);
    s1.set([0, 0, 0x2a, 0x10, 4, 5, 0, 1], 0);
    const c = new RtmpClientHandshake({ digest: true, random: seeded(2) });
    c.start();
    const step = c.receive(serverBytes(s1, randomPacket(3)));
    expect(step.done).toBe(true);
    expect(step.send).toEqual(s1);
    expect(step.rest).toBeNull();
    expect(c.mode).toBe('simple');
    expect(c.s2DigestValid).toBe(false);
    expect(c.serverVersion).toBe(0x04050001);
  });

  it("nginx-rtmp's old-style answer (S1 = S2 = our C1) completes in both modes", () => {
    for (const digest of [false, true]) {
      const c = new RtmpClientHandshake({ digest, random: seeded(4) });
      const c1 = c.start().subarray(1);
      const step = c.receive(serverBytes(c1, c1));
      expect(step.done).toBe(true);
      // A C1 digest is signed with the player key, so it is no S1 digest.
      expect(c.mode).toBe('simple');
      expect(step.send).toEqual(c1);
    }
  });

  it('simple mode: S2 that does not echo C1 is accepted', () => {
    const c = new RtmpClientHandshake({ random: seeded(4) });
    c.start();
    const step = c.receive(serverBytes(randomPacket(5), new Uint8Array(PACKET)));
    expect(step.done).toBe(true);
  });

  it('digest mode: a bad S2 signature is accepted and reported', () => {
    const client = new RtmpClientHandshake({ digest: true, random: seeded(7) });
    const server = new RtmpServerHandshake({ random: seeded(8) });
    const s0s1s2 = server.receive(client.start()).send!;
    s0s1s2[s0s1s2.length - 1]! ^= 0x01;
    const step = client.receive(s0s1s2);
    expect(step.done).toBe(true);
    expect(client.mode).toBe('digest');
    expect(client.s2DigestValid).toBe(false);
    expect(server.receive(step.send!).done).toBe(true);
    expect(server.c2Valid).toBe(true);
  });

  it('digest mode: an S1 with a broken digest falls back to the simple echo', () => {
    const client = new RtmpClientHandshake({ digest: true, random: seeded(7) });
    const server = new RtmpServerHandshake({ random: seeded(8) });
    const s0s1s2 = server.receive(client.start()).send!;
    // Flip a byte in S1's random part; the digest no longer verifies.
    s0s1s2[1 + 1000]! ^= 0xff;
    s0s1s2[1 + 200]! ^= 0xff;
    const step = client.receive(s0s1s2);
    expect(step.done).toBe(true);
    expect(client.mode).toBe('simple');
    expect(step.send).toEqual(s0s1s2.subarray(1, 1 + PACKET));
  });

  it('sends C2 as soon as S1 is in, before S2 (no deadlock with servers that wait for C2)', () => {
    for (const digest of [false, true]) {
      const client = new RtmpClientHandshake({ digest, random: seeded(3) });
      const server = new RtmpServerHandshake({ random: seeded(4) });
      const s0s1s2 = server.receive(client.start()).send!;
      const first = client.receive(s0s1s2.subarray(0, 1 + PACKET));
      expect(first.send?.length).toBe(PACKET);
      expect(first.done).toBe(false);
      expect(first.rest).toBeNull();
      expect(client.stateName).toBe('awaiting-s2');
      const partial = client.receive(s0s1s2.subarray(1 + PACKET, 1 + PACKET + 1535));
      expect(partial).toEqual({ send: null, done: false, rest: null });
      const last = client.receive(s0s1s2.subarray(1 + PACKET + 1535));
      expect(last).toEqual({ send: null, done: true, rest: null });
      expect(client.s2DigestValid).toBe(digest);
    }
  });

  it('copies input, so the caller may reuse its read buffer', () => {
    const client = new RtmpClientHandshake({ random: seeded(3) });
    client.start();
    const s1 = randomPacket(11);
    const buf = concatBytes([Uint8Array.of(3), s1.subarray(0, 1000)]);
    client.receive(buf);
    buf.fill(0xee);
    const step = client.receive(concatBytes([s1.subarray(1000), randomPacket(12), Uint8Array.of(9, 9)]));
    expect(step.send).toEqual(s1);
    expect(step.rest).toEqual(Uint8Array.of(9, 9));
  });

  it('short input never throws and never completes', () => {
    const good = concatBytes([Uint8Array.of(3), randomPacket(1), randomPacket(2)]);
    for (const n of [0, 1, 2, 1536, 1537, 1538, 3072]) {
      const c = new RtmpClientHandshake({ digest: true, random: seeded(1) });
      c.start();
      const step = c.receive(good.subarray(0, n));
      expect(step.done, `after ${n} bytes`).toBe(false);
      expect(step.rest).toBeNull();
      expect(step.send !== null, `after ${n} bytes`).toBe(n >= 1537);
    }
  });
});

// ---------------------------------------------------------------- errors

describe('handshake errors', () => {
  it.each([
    [6, /version 6 \(0x06\).*RTMPE/],
    [8, /RTMPE/],
    [0xff, /version 255 \(0xff\)/],
    [0x48, /HTTP/],
    [0x16, /TLS.*rtmps/],
    [0, /version 0 /],
  ])('S0 = %i is refused on the first byte with a clear message', (v, msg) => {
    const c = new RtmpClientHandshake({ random: seeded(1) });
    c.start();
    let err: unknown;
    try {
      c.receive(Uint8Array.of(v));
    } catch (e) {
      err = e;
    }
    expect(isRtmpError(err, RtmpErrorCode.HandshakeBadVersion)).toBe(true);
    expect((err as RtmpError).message).toMatch(msg);
    expect((err as RtmpError).message).toMatch(/server/);
    expect((err as RtmpError).fatal).toBe(true);
    expect((err as RtmpError).details).toEqual({ version: v });
    expect(c.stateName).toBe('failed');
    // Anything after a failure is a misuse.
    expect(codeOf(() => c.receive(Uint8Array.of(3)))).toBe(RtmpErrorCode.InvalidState);
  });

  it('receive() before start() and after done is InvalidState', () => {
    const c = new RtmpClientHandshake({ random: seeded(1) });
    expect(codeOf(() => c.receive(Uint8Array.of(3)))).toBe(RtmpErrorCode.InvalidState);
    c.start();
    const p = new Uint8Array(2 * PACKET + 1);
    p[0] = 3;
    expect(c.receive(p).done).toBe(true);
    expect(codeOf(() => c.receive(Uint8Array.of(0)))).toBe(RtmpErrorCode.InvalidState);
  });

  it('bad options are TypeErrors naming the option', () => {
    expect(() => new RtmpClientHandshake({ epoch: -1 })).toThrow(/epoch/);
    expect(() => new RtmpClientHandshake({ epoch: 2 ** 32 })).toThrow(TypeError);
    expect(() => new RtmpClientHandshake({ epoch: 1.5 })).toThrow(TypeError);
    expect(() => new RtmpClientHandshake({ random: 5 as never })).toThrow(/random/);
    expect(() => new RtmpClientHandshake({ digest: 'yes' as never })).toThrow(/digest/);
    expect(() => new RtmpClientHandshake({ digestScheme: 2 as never })).toThrow(/digestScheme/);
    expect(() => new RtmpServerHandshake({ version: 0 })).toThrow(/version/);
    expect(() => new RtmpServerHandshake({ digestScheme: 'x' as never })).toThrow(/digestScheme/);
  });

  it('defaults to WebCrypto randomness', () => {
    const a = new RtmpClientHandshake().start();
    const b = new RtmpClientHandshake().start();
    expect(a.subarray(9)).not.toEqual(b.subarray(9));
  });
});

// ---------------------------------------------------------------- server side

describe('RtmpServerHandshake', () => {
  it('refuses C0 other than 3', () => {
    const s = new RtmpServerHandshake({ random: seeded(1) });
    let err: unknown;
    try {
      s.receive(Uint8Array.of(6));
    } catch (e) {
      err = e;
    }
    expect(isRtmpError(err, RtmpErrorCode.HandshakeBadVersion)).toBe(true);
    expect((err as Error).message).toMatch(/client sent version 6/);
    expect(s.stateName).toBe('failed');
  });

  it('answers a zero-version C1 simply, even if it happens to carry a digest', () => {
    const client = new RtmpClientHandshake({ digest: true, random: seeded(2) });
    const c0c1 = client.start();
    c0c1.fill(0, 5, 9); // zero the version field, as an old client would
    const s = new RtmpServerHandshake({ random: seeded(3) });
    const out = s.receive(c0c1).send!;
    expect(s.mode).toBe('simple');
    expect(out.subarray(1 + PACKET)).toEqual(c0c1.subarray(1));
    expect(Array.from(out.subarray(5, 9))).toEqual([0, 0, 0, 0]);
  });

  it('reports a wrong C2', () => {
    for (const digest of [false, true]) {
      const client = new RtmpClientHandshake({ digest, random: seeded(2) });
      const s = new RtmpServerHandshake({ random: seeded(3) });
      const c2 = client.receive(s.receive(client.start()).send!).send!;
      c2[PACKET - 1]! ^= 1;
      expect(s.receive(c2).done).toBe(true);
      expect(s.c2Valid).toBe(false);
    }
  });

  it('reports the client version', () => {
    const s = new RtmpServerHandshake({ random: seeded(3) });
    s.receive(new RtmpClientHandshake({ digest: true, random: seeded(2) }).start());
    expect(s.clientVersion).toBe(FLASH_PLAYER_VERSION);
    expect(s.stateName).toBe('awaiting-c2');
  });
});

// ---------------------------------------------------------------- fixtures

describe('handshake fixtures', () => {
  for (const f of handshakeFixtures) {
    it(f.name, () => {
      expect(f.target).toBe('handshake');
      if (f.expect === 'ok') {
        const step = handshakeFuzzTarget(f.bytes);
        const complete = f.bytes.length >= 1 + 2 * PACKET;
        expect(step.done).toBe(complete);
        if (complete) expect(step.send).toEqual(f.bytes.subarray(1, 1 + PACKET));
        if (f.bytes.length > 1 + 2 * PACKET) expect(step.rest).toEqual(f.bytes.subarray(1 + 2 * PACKET));
      } else {
        expect(codeOf(() => handshakeFuzzTarget(f.bytes))).toBe(f.expect);
      }
      // Same outcome one byte at a time.
      const c = new RtmpClientHandshake({ digest: true, random: seeded(1) });
      c.start();
      const code = codeOf(() => {
        for (let i = 0; i < f.bytes.length && !c.done; i++) c.receive(f.bytes.subarray(i, i + 1));
      });
      expect(code ?? 'ok').toBe(f.expect);
    });
  }

  it('names are unique', () => {
    const names = handshakeFixtures.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
