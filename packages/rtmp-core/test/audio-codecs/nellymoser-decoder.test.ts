/**
 * The Nellymoser decoder's parts in isolation: the fast inverse MDCT against
 * its defining sum, the bit allocation's invariants, the packet contract
 * (bad packets throw AudioPacketInvalid and cost nothing else; the output is
 * a reused view), and the committed fixtures. Agreement with FFmpeg's
 * decoder is in nellymoser-ffmpeg.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import { Imdct } from '../../src/audio-codecs/imdct.ts';
import { allocateNellymoserBits } from '../../src/audio-codecs/nellymoser/nellymoser-bit-allocation.ts';
import { NellymoserDecoder } from '../../src/audio-codecs/nellymoser/nellymoser-decoder.ts';
import { BAND_SIZES, NELLY_CODED, NELLY_DETAIL_BITS } from '../../src/audio-codecs/nellymoser/nellymoser-tables.ts';
import { MAX_PCM_PACKET_BYTES } from '../../src/audio-codecs/pcm-decoder.ts';
import {
  NELLY_IMPOSSIBLE_BLOCK,
  NELLY_NOISE_BLOCK,
  NELLY_TONE_BLOCK,
  NELLY_TONE_BLOCK_2,
  audioCodecFuzzTargets,
  nellymoserFixtures,
} from '../fixtures/audio-codec-fixtures.ts';
import { seededRandom } from '../split-delivery.ts';
import { errorOf } from '../error-code.ts';


describe('Imdct', () => {
  for (const m of [4, 8, 16, 128, 256]) {
    it(`M = ${m}: the middle half equals Σ X[k]·cos(π/M·(n + ½ + M/2)(k + ½)) at n + M/2`, () => {
      const rnd = seededRandom(m);
      const x = Float64Array.from({ length: m }, () => rnd() * 2 - 1);
      const got = new Float64Array(m);
      new Imdct(m).middleHalf(x, got);
      let worst = 0;
      for (let n = 0; n < m; n++) {
        let want = 0;
        for (let k = 0; k < m; k++) want += x[k]! * Math.cos((Math.PI / m) * (n + m / 2 + 0.5 + m / 2) * (k + 0.5));
        worst = Math.max(worst, Math.abs(want - got[n]!));
      }
      expect(worst).toBeLessThan(1e-12 * m);
    });
  }

  it('refuses sizes that are not powers of two from 4', () => {
    for (const bad of [0, 2, 3, 6, 100, 16384, 1.5]) expect(() => new Imdct(bad), String(bad)).toThrow(TypeError);
  });
});

describe('allocateNellymoserBits', () => {
  /** Per-coefficient exponents from 23 band values. */
  function spread(bands: number[]): Float64Array {
    const e = new Float64Array(NELLY_CODED);
    let j = 0;
    BAND_SIZES.forEach((size, b) => {
      for (let i = 0; i < size; i++) e[j++] = bands[b]!;
    });
    return e;
  }

  it('gives 0..6 bits each, at most 198 in all, and spends nearly all of them on a speech-like envelope', () => {
    const rnd = seededRandom(12);
    const weighted = new Int16Array(NELLY_CODED);
    const bits = new Int32Array(NELLY_CODED);
    let exact = 0;
    let spent = 0;
    const rounds = 2000;
    for (let r = 0; r < rounds; r++) {
      // Falling with frequency, with random bumps.
      let v = 14000 + rnd() * 14000;
      const bands: number[] = [];
      for (let b = 0; b < 23; b++) {
        bands.push(v);
        v += Math.round((rnd() - 0.6) * 4000);
      }
      const total = allocateNellymoserBits(spread(bands), weighted, bits);
      let sum = 0;
      for (const b of bits) {
        if (b < 0 || b > 6) throw new Error(`round ${r}: ${b} bits`);
        sum += b;
      }
      if (total !== sum || total > NELLY_DETAIL_BITS) throw new Error(`round ${r}: total ${total}, bits ${sum}`);
      if (total === NELLY_DETAIL_BITS) exact++;
      spent += total;
    }
    // The search may stop under budget (FFmpeg's own streams: half the blocks
    // use all 198 bits, the rest 184-197), never far under.
    expect(exact / rounds).toBeGreaterThan(0.3);
    expect(spent / rounds).toBeGreaterThan(190);
  });

  it('gives louder bands at least as many bits as quieter ones', () => {
    const weighted = new Int16Array(NELLY_CODED);
    const bits = new Int32Array(NELLY_CODED);
    const bands = Array.from({ length: 23 }, (_, b) => 30000 - b * 900);
    allocateNellymoserBits(spread(bands), weighted, bits);
    for (let i = 1; i < NELLY_CODED; i++) expect(bits[i]!).toBeLessThanOrEqual(bits[i - 1]!);
    expect(bits[0]).toBeGreaterThan(0);
  });

  it('copes with degenerate envelopes (all equal, all negative, extreme) without throwing, 0..6 bits each', () => {
    const weighted = new Int16Array(NELLY_CODED);
    const bits = new Int32Array(NELLY_CODED);
    for (const fill of [0, 1, -5000, -250000, 316000, 32767, 65536]) {
      const total = allocateNellymoserBits(new Float64Array(NELLY_CODED).fill(fill), weighted, bits);
      expect(total).toBe(bits.reduce((a, b) => a + b, 0));
      for (const b of bits) expect(b >= 0 && b <= 6).toBe(true);
    }
  });
});

describe('NellymoserDecoder', () => {
  it('decodes n × 64 bytes into n × 256 samples within [-1, 1], as a reused view', () => {
    const d = new NellymoserDecoder(22050);
    expect(d.sampleRate).toBe(22050);
    expect(d.numberOfChannels).toBe(1);
    const one = d.decode(NELLY_TONE_BLOCK);
    expect(one.length).toBe(256);
    const buffer = one.buffer;
    const two = d.decode(new Uint8Array([...NELLY_TONE_BLOCK_2, ...NELLY_TONE_BLOCK]));
    expect(two.length).toBe(512);
    expect(two.buffer).toBe(buffer); // no allocation for packets up to the size seen first (8 blocks)
    for (const v of two) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    expect(Math.max(...two.map(Math.abs))).toBeGreaterThan(0.05); // a real tone, not silence
  });

  it('grows its buffer once for a larger packet, then reuses it', () => {
    const d = new NellymoserDecoder(44100);
    const big = new Uint8Array(64 * 20);
    const a = d.decode(big);
    const b = d.decode(big);
    expect(a.length).toBe(20 * 256);
    expect(b.buffer).toBe(a.buffer);
  });

  it('refuses bad packets with a non-fatal AudioPacketInvalid and keeps its state', () => {
    const good = [NELLY_TONE_BLOCK, NELLY_TONE_BLOCK_2, NELLY_NOISE_BLOCK, NELLY_TONE_BLOCK];
    const bad = [
      new Uint8Array(0),
      NELLY_TONE_BLOCK.subarray(0, 63),
      new Uint8Array(65),
      new Uint8Array(100),
      new Uint8Array(MAX_PCM_PACKET_BYTES + 64),
    ];
    // The same noise for both, so only the bad packets could make them differ.
    const clean = new NellymoserDecoder(8000);
    const want = good.map((p) => clean.decode(p).slice());
    const d = new NellymoserDecoder(8000);
    const got: Float32Array[] = [];
    for (const [i, p] of good.entries()) {
      const e = errorOf(() => d.decode(bad[i % bad.length]!));
      expect(e?.code).toBe(RtmpErrorCode.AudioPacketInvalid);
      expect(e?.fatal).toBe(false);
      expect(e?.details).toMatchObject({ codec: 'nellymoser' });
      got.push(d.decode(p).slice());
    }
    expect(got).toEqual(want);
  });

  it('refuses a block no encoder makes (its allocation passes 198 bits) and rolls the packet back', () => {
    const d = new NellymoserDecoder(8000);
    const clean = new NellymoserDecoder(8000);
    d.decode(NELLY_TONE_BLOCK);
    clean.decode(NELLY_TONE_BLOCK);
    const e = errorOf(() => d.decode(new Uint8Array([...NELLY_TONE_BLOCK_2, ...NELLY_IMPOSSIBLE_BLOCK])));
    expect(e?.code).toBe(RtmpErrorCode.AudioPacketInvalid);
    expect(e?.message).toMatch(/block 1 of 2/);
    // Its first, good block left no trace: the overlap and the noise are as before the packet.
    expect(d.decode(NELLY_NOISE_BLOCK)).toEqual(clean.decode(NELLY_NOISE_BLOCK));
  });

  it('is deterministic after reset() (the overlap and its own noise restart)', () => {
    const d = new NellymoserDecoder(16000);
    const first = [NELLY_NOISE_BLOCK, NELLY_TONE_BLOCK].map((p) => d.decode(p).slice());
    d.reset();
    const again = [NELLY_NOISE_BLOCK, NELLY_TONE_BLOCK].map((p) => d.decode(p).slice());
    expect(again).toEqual(first);
  });

  it('takes its noise-fill signs from the noise option, once per coefficient with no bits', () => {
    let calls = 0;
    const d = new NellymoserDecoder(8000, { noise: () => calls++ });
    d.decode(NELLY_NOISE_BLOCK);
    // Two halves of 124 coefficients share one allocation: an even number of calls, most but not all of 248.
    expect(calls % 2).toBe(0);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(248);
  });

  it('rejects a sample rate that is not a positive integer (TypeError naming it)', () => {
    for (const bad of [0, -8000, 22050.5, Number.NaN, 400_000]) expect(() => new NellymoserDecoder(bad)).toThrow(/sampleRate/);
  });
});

describe('Nellymoser fixtures', () => {
  for (const f of nellymoserFixtures) {
    it(`${f.name} → ${f.expect}`, () => {
      let outcome = 'ok';
      try {
        audioCodecFuzzTargets.nellymoser(f.bytes);
      } catch (e) {
        if (!(e instanceof RtmpError)) throw e;
        outcome = e.code;
      }
      expect(outcome).toBe(f.expect);
    });
  }

  it('random blocks decode within [-1, 1] or are refused with AudioPacketInvalid, nothing else', () => {
    const rnd = seededRandom(99);
    const d = new NellymoserDecoder(11025);
    for (let r = 0; r < 300; r++) {
      const p = Uint8Array.from({ length: 64 * (1 + Math.floor(rnd() * 4)) }, () => Math.floor(rnd() * 256));
      let outcome = 'ok';
      try {
        for (const v of d.decode(p)) if (!(v >= -1 && v <= 1)) throw new Error(`sample ${v}`);
      } catch (e) {
        if (!(e instanceof RtmpError)) throw e;
        outcome = e.code;
      }
      // One random block in thousands has an impossible envelope: refused, never thrown otherwise.
      expect(['ok', RtmpErrorCode.AudioPacketInvalid]).toContain(outcome);
    }
  });
});
