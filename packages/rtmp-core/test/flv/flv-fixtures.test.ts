import { describe, expect, it } from 'vitest';
import { RtmpErrorCode } from '../../src/errors.ts';
import { flvFixtures, flvFuzzTargets } from '../fixtures/flv-fixtures.ts';
import { flvOutcomeAllWays, outcome, prng } from './media-tools.ts';

function run(target: string, bytes: Uint8Array): string {
  const f = flvFuzzTargets[target];
  if (f === undefined) throw new Error(`no fuzz target for ${target}`);
  return outcome(() => f(bytes));
}

describe('FLV fixtures', () => {
  it('have unique names and a fuzz target for every target they use', () => {
    expect(new Set(flvFixtures.map((f) => f.name)).size).toBe(flvFixtures.length);
    for (const t of ['flv-audio', 'flv-video', 'flv-audio-message', 'flv-video-message', 'audio-config', 'avcc', 'hvcc', 'asc', 'nalu', 'flv-file']) {
      expect(flvFixtures.some((f) => f.target === t && f.expect === 'ok'), `${t} good`).toBe(true);
      expect(flvFixtures.some((f) => f.target === t && f.expect !== 'ok'), `${t} bad`).toBe(true);
      expect(typeof flvFuzzTargets[t]).toBe('function');
    }
  });

  it('include the required bad inputs', () => {
    const has = (target: string, expect: string, re: RegExp) =>
      flvFixtures.some((f) => f.target === target && f.expect === expect && re.test(f.name));
    expect(has('avcc', RtmpErrorCode.AvcConfigInvalid, /SPS length .* past the record/)).toBe(true);
    expect(has('avcc', RtmpErrorCode.AvcConfigInvalid, /PPS length .* past the record/)).toBe(true);
    expect(has('nalu', RtmpErrorCode.NaluInvalid, /length 10 with 2 bytes left/)).toBe(true);
    expect(has('asc', RtmpErrorCode.AacConfigInvalid, /reserved sampling frequency index/)).toBe(true);
    expect(has('asc', RtmpErrorCode.AacConfigInvalid, /reserved channelConfiguration/)).toBe(true);
    expect(has('flv-audio', 'ok', /Speex/)).toBe(true);
    expect(has('flv-audio', 'ok', /Nellymoser/)).toBe(true);
    expect(has('flv-audio', RtmpErrorCode.CodecUnsupported, /ADPCM/)).toBe(true);
    expect(has('flv-video', RtmpErrorCode.FlvInvalid, /empty tag/)).toBe(true);
    expect(has('flv-video', RtmpErrorCode.FlvInvalid, /E-RTMP header cut/)).toBe(true);
    expect(has('flv-audio', RtmpErrorCode.FlvInvalid, /E-RTMP header cut/)).toBe(true);
  });

  for (const f of flvFixtures) {
    it(`${f.target} · ${f.name} → ${f.expect}`, () => {
      expect(run(f.target, f.bytes)).toBe(f.expect);
      // The resumable reader must give the same outcome however the bytes arrive.
      if (f.target === 'flv-file') expect(flvOutcomeAllWays(f.bytes)).toBe(f.expect);
    });
  }

  it('only ever throw RtmpError on every prefix of every good fixture', () => {
    for (const f of flvFixtures.filter((x) => x.expect === 'ok')) {
      for (let n = 0; n < f.bytes.length; n++) {
        const got = run(f.target, f.bytes.subarray(0, n));
        expect(got.startsWith('non-RtmpError'), `${f.name} cut at ${n}: ${got}`).toBe(false);
      }
    }
  });

  it('only ever throw RtmpError on mutated fixtures (byte flips, inserts, deletes)', () => {
    const rnd = prng(0xf1f0);
    for (const f of flvFixtures) {
      for (let i = 0; i < 60; i++) {
        const b = Array.from(f.bytes);
        const edits = 1 + Math.floor(rnd() * 4);
        for (let e = 0; e < edits; e++) {
          const pos = Math.floor(rnd() * (b.length + 1));
          const op = rnd();
          if (op < 0.6 && b.length > 0) b[Math.min(pos, b.length - 1)] = Math.floor(rnd() * 256);
          else if (op < 0.8) b.splice(pos, 0, Math.floor(rnd() * 256));
          else b.splice(pos, 1);
        }
        const got = run(f.target, Uint8Array.from(b));
        expect(got.startsWith('non-RtmpError'), `${f.name} mutation ${i}: ${got}`).toBe(false);
      }
    }
  });
});
