/**
 * SpeexDecoder against the reference: FFmpeg (Debian's, with libspeex)
 * encodes real Speex at every mode, and its own libspeex decoder decodes the
 * same packets; our output must match it sample for sample (SNR printed per
 * case). Wideband comes in FLV, read with the core's FLV reader; narrowband
 * (which FLV cannot carry) in Ogg. Then bad packets and a quick fuzz: only
 * AudioPacketInvalid escapes, and a bad packet leaves the decoder as it was.
 *
 * The reference decoder's perceptual enhancer is on (libspeex's default,
 * which FFmpeg keeps), and so is ours by default: the comparison is
 * enhancer on against enhancer on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMedia, run } from '../../../../test/peers/ffmpeg.ts';
import { RtmpError, RtmpErrorCode } from '../../src/errors.ts';
import { MAX_PCM_PACKET_BYTES } from '../../src/audio-codecs/pcm-decoder.ts';
import { MAX_SPEEX_FRAMES_PER_PACKET, SpeexDecoder, type SpeexDecoderOptions } from '../../src/audio-codecs/speex/speex-decoder.ts';
import { FlvFileReader } from '../../src/flv/flv-file.ts';
import { SpeexPacketWriter, audioCodecFuzzTargets, speexFixtures } from '../fixtures/audio-codec-fixtures.ts';
import { concatPcm } from './pcm-compare.ts';
import { seededRandom } from '../split-delivery.ts';

/** The sound a case encodes. */
const TONE = (rate: number): string => `sine=f=440:r=${rate}`;
/** Speech-like: pink noise band-limited to the voice band, at speech level. */
const SPEECH = (rate: number): string =>
  `anoisesrc=c=pink:r=${rate}:a=0.3:seed=7,bandpass=f=800:width_type=h:w=1500`;
/** Speech-like noise with pauses (half of every second 40 dB down), so VAD and DTX have silence to find. */
const PAUSES = (rate: number): string => `${SPEECH(rate)},volume='if(lt(mod(t,1),0.5),1,0.01)':eval=frame`;

interface Case {
  name: string;
  source: string;
  /** Encoder options after `-c:a libspeex`. */
  args: string[];
}

/** Wideband (16 kHz, FLV): default settings, each CBR quality (all narrowband modes 1-8 and wideband layers 1-4), VAD/DTX, VBR/ABR, several frames a packet. */
const WIDEBAND: Case[] = [
  { name: 'tone, defaults (quality 8: modes 6+3)', source: TONE(16000), args: [] },
  { name: 'speech-like, defaults', source: SPEECH(16000), args: [] },
  { name: 'speech-like, quality 0 (modes 1+1)', source: SPEECH(16000), args: ['-cbr_quality', '0'] },
  { name: 'speech-like, quality 1 (modes 8+1)', source: SPEECH(16000), args: ['-cbr_quality', '1'] },
  { name: 'speech-like, quality 2 (modes 2+1)', source: SPEECH(16000), args: ['-cbr_quality', '2'] },
  { name: 'speech-like, quality 3 (modes 3+1)', source: SPEECH(16000), args: ['-cbr_quality', '3'] },
  { name: 'speech-like, quality 4 (modes 4+1)', source: SPEECH(16000), args: ['-cbr_quality', '4'] },
  { name: 'speech-like, quality 6 (modes 5+2)', source: SPEECH(16000), args: ['-cbr_quality', '6'] },
  { name: 'speech-like, quality 10 (modes 7+4)', source: SPEECH(16000), args: ['-cbr_quality', '10'] },
  { name: 'pauses, VAD + DTX (mode 0, DTX high band)', source: PAUSES(16000), args: ['-vad', '1', '-dtx', '1'] },
  { name: 'pauses, VBR -q:a 4', source: PAUSES(16000), args: ['-q:a', '4'] },
  { name: 'speech-like, ABR 12 kb/s', source: SPEECH(16000), args: ['-abr', '1', '-b:a', '12k'] },
  { name: 'speech-like, 8 frames a packet', source: SPEECH(16000), args: ['-frames_per_packet', '8'] },
  { name: 'tone, compression_level 0', source: TONE(16000), args: ['-compression_level', '0'] },
];

/** Narrowband (8 kHz, Ogg). */
const NARROWBAND: Case[] = [
  { name: 'nb tone, defaults', source: TONE(8000), args: [] },
  { name: 'nb speech-like, quality 0 (mode 1)', source: SPEECH(8000), args: ['-cbr_quality', '0'] },
  { name: 'nb speech-like, quality 4 (mode 4)', source: SPEECH(8000), args: ['-cbr_quality', '4'] },
  { name: 'nb speech-like, quality 10 (mode 7)', source: SPEECH(8000), args: ['-cbr_quality', '10'] },
  { name: 'nb tone, 4 frames a packet', source: TONE(8000), args: ['-frames_per_packet', '4'] },
];

const SECONDS = 2;

/** The Speex packets of an FLV file: each audio tag's body after its 1-byte sound header. */
function flvSpeexPackets(file: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const item of new FlvFileReader().push(file)) {
    if (item.kind !== 'tag' || item.tagType !== 8) continue;
    expect(item.data[0]! >> 4, 'FLV SoundFormat').toBe(11);
    out.push(item.data.subarray(1));
  }
  return out;
}

/** The packets of the first logical stream of an Ogg file, its two header packets (Speex header, comments) left out. */
function oggSpeexPackets(file: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let pos = 0;
  while (pos + 27 <= file.length) {
    expect(String.fromCharCode(...file.subarray(pos, pos + 4)), 'Ogg capture pattern').toBe('OggS');
    const segments = file[pos + 26]!;
    let body = pos + 27 + segments;
    for (let s = 0; s < segments; s++) {
      const lace = file[pos + 27 + s]!;
      pending.push(file.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        const len = pending.reduce((n, p) => n + p.length, 0);
        const packet = new Uint8Array(len);
        let at = 0;
        for (const p of pending) {
          packet.set(p, at);
          at += p.length;
        }
        packets.push(packet);
        pending = [];
      }
    }
    pos = body;
  }
  return packets.slice(2);
}

/** Our decoder over all packets, as one signal. */
function decodeAll(packets: Uint8Array[], options: SpeexDecoderOptions): Float32Array {
  const decoder = new SpeexDecoder(options);
  return concatPcm(packets.map((p) => decoder.decode(p).slice()));
}

/**
 * SNR of `ours` against `ref` (dB) at the lag that maximises it (ours[i + lag]
 * ~ ref[i]), within ±maxLag. Ours is first rounded to 16 bits as the
 * reference's output is (speex_decode_int), so the reference's own rounding
 * does not count as our error.
 */
function bestSnr(oursFloat: Float32Array, ref: Float32Array, maxLag = 400): { snr: number; lag: number } {
  const ours = oursFloat.map((v) => Math.floor(0.5 + v * 32768) / 32768);
  let best = { snr: -Infinity, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let sig = 0;
    let err = 0;
    const from = Math.max(0, -lag);
    const to = Math.min(ref.length, ours.length - lag);
    for (let i = from; i < to; i++) {
      const r = ref[i]!;
      const d = ours[i + lag]! - r;
      sig += r * r;
      err += d * d;
    }
    const snr = 10 * Math.log10(sig / Math.max(err, 1e-20));
    if (snr > best.snr) best = { snr, lag };
  }
  return best;
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'speex-test-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Encodes a case (cached by makeMedia) and decodes it with FFmpeg's libspeex decoder to f32. */
async function encodeAndReference(c: Case, rate: 8000 | 16000, container: 'flv' | 'ogg'): Promise<{ file: Uint8Array; ref: Float32Array }> {
  const path = await makeMedia(`speex-${rate}-${c.args.join('_') || 'default'}-${c.source.length}.${container}`, [
    '-f', 'lavfi', '-i', c.source, '-t', String(SECONDS),
    '-c:a', 'libspeex', '-ar', String(rate), '-ac', '1', ...c.args,
    '-f', container,
  ]);
  const refPath = join(work, `ref-${Math.random().toString(36).slice(2)}.f32`);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-c:a', 'libspeex', '-i', path, '-f', 'f32le', '-ac', '1', '-ar', String(rate), refPath]);
  const raw = readFileSync(refPath);
  const ref = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  return { file: new Uint8Array(readFileSync(path)), ref };
}

/**
 * The lowest SNR we accept against FFmpeg. We measure 76-88 dB (the issue's
 * goal is 30): all but ~1% of samples are equal to the reference's, the rest
 * one 16-bit step away.
 */
const MIN_SNR_DB = 70;

describe('SpeexDecoder against FFmpeg (libspeex, enhancer on)', () => {
  for (const c of WIDEBAND) {
    it(`wideband: ${c.name}`, async () => {
      const { file, ref } = await encodeAndReference(c, 16000, 'flv');
      const packets = flvSpeexPackets(file);
      const ours = decodeAll(packets, {});
      const { snr, lag } = bestSnr(ours, ref);
      console.log(`speex wb ${c.name}: ${packets.length} packets, ${ours.length} samples, SNR ${snr.toFixed(1)} dB at lag ${lag}`);
      expect(ours.length).toBe(ref.length);
      expect(lag).toBe(0);
      expect(snr).toBeGreaterThan(MIN_SNR_DB);
    });
  }

  for (const c of NARROWBAND) {
    it(`narrowband: ${c.name}`, async () => {
      const { file, ref } = await encodeAndReference(c, 8000, 'ogg');
      const packets = oggSpeexPackets(file);
      const ours = decodeAll(packets, { sampleRate: 8000 });
      const { snr, lag } = bestSnr(ours, ref);
      console.log(`speex nb ${c.name}: ${packets.length} packets, ${ours.length} samples, SNR ${snr.toFixed(1)} dB at lag ${lag}`);
      expect(ours.length).toBe(ref.length);
      expect(lag).toBe(0);
      expect(snr).toBeGreaterThan(MIN_SNR_DB);
    });
  }

  it('with our enhancer off, the output differs from the reference by just the enhancement', async () => {
    const { file, ref } = await encodeAndReference(WIDEBAND[1]!, 16000, 'flv');
    const ours = decodeAll(flvSpeexPackets(file), { enhancer: false });
    const { snr } = bestSnr(ours, ref, 0);
    console.log(`speex wb speech-like, our enhancer off vs FFmpeg's on: SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThan(5);
    expect(snr).toBeLessThan(MIN_SNR_DB);
  });
});


/** Expects `fn` to throw a non-fatal AudioPacketInvalid. */
function expectInvalid(fn: () => unknown): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'should throw').toBeInstanceOf(RtmpError);
  expect((error as RtmpError).code).toBe(RtmpErrorCode.AudioPacketInvalid);
  expect((error as RtmpError).fatal).toBe(false);
}


describe('SpeexDecoder on bad and unusual packets', () => {
  /** Default wideband packets: narrowband mode 6 (364 bits) + wideband layer 3 (192 bits), 70 bytes. */
  let packets: Uint8Array[];
  /** Packets of every mode, for the fuzzer. */
  let pool: Uint8Array[];
  beforeAll(async () => {
    packets = flvSpeexPackets((await encodeAndReference(WIDEBAND[1]!, 16000, 'flv')).file);
    pool = [...packets.slice(0, 20)];
    for (const c of [WIDEBAND[2]!, WIDEBAND[3]!, WIDEBAND[4]!, WIDEBAND[8]!, WIDEBAND[9]!, WIDEBAND[12]!]) {
      pool.push(...flvSpeexPackets((await encodeAndReference(c, 16000, 'flv')).file).slice(0, 20));
    }
  });

  it('the packets are what the fixtures assume', () => {
    const p = packets[10]!;
    expect(p.length).toBe(70);
    expect(p[0]! >> 3).toBe(6); // wideband bit 0, mode 6
    const bitAt = (i: number): number => (p[i >> 3]! >> (7 - (i & 7))) & 1;
    expect([364, 365, 366, 367].map(bitAt)).toEqual([1, 0, 1, 1]); // wideband layer, mode 3
  });

  it('returns a view of one reused buffer, 320 samples a frame', () => {
    const d = new SpeexDecoder();
    const a = d.decode(packets[0]!);
    const b = d.decode(packets[1]!);
    expect(a.length).toBe(320);
    expect(b.buffer).toBe(a.buffer);
    expect(d.samplesPerFrame).toBe(320);
    expect(new SpeexDecoder({ sampleRate: 8000 }).decode(packets[0]!).length).toBe(160);
  });

  it('refuses truncated packets, reserved modes, too many frames and oversize input', () => {
    const p = packets[10]!;
    for (const sampleRate of [8000, 16000] as const) {
      const d = new SpeexDecoder({ sampleRate });
      expectInvalid(() => d.decode(p.subarray(0, 20)));
      expectInvalid(() => d.decode(p.subarray(0, 40))); // cut inside the narrowband frame
      for (const m of [9, 10, 11, 12]) {
        const bad = p.slice();
        bad[0] = (bad[0]! & 0x87) | (m << 3);
        expectInvalid(() => d.decode(bad));
      }
      expectInvalid(() => d.decode(new Uint8Array(MAX_PCM_PACKET_BYTES + 1)));
      // 65 mode-0 frames (5 bits each) are one too many; 64 are fine.
      expectInvalid(() => d.decode(new Uint8Array(41)));
      expect(d.decode(new Uint8Array(40)).length).toBe(MAX_SPEEX_FRAMES_PER_PACKET * d.samplesPerFrame);
    }
    const wb = new SpeexDecoder();
    expectInvalid(() => wb.decode(p.subarray(0, 69))); // cut inside the wideband layer
    for (const m of [5, 6, 7]) {
      const bad = new SpeexPacketWriter().copy(p, 365).put(m, 3).copy(p.subarray(46), 188).bytes();
      expectInvalid(() => wb.decode(bad));
    }
    // Three wideband layers before a narrowband frame.
    const layers = new SpeexPacketWriter().put(0b1001, 4).put(0, 32).put(0b1001, 4).put(0, 32).put(0b1001, 4).put(0, 32).copy(p, 556).bytes();
    expectInvalid(() => wb.decode(layers));
  });

  it('a bad packet costs only itself: the decoder goes on exactly as if it had not come', () => {
    for (const sampleRate of [8000, 16000] as const) {
      const clean = new SpeexDecoder({ sampleRate });
      const hit = new SpeexDecoder({ sampleRate });
      for (let i = 0; i < 30; i++) {
        const want = clean.decode(packets[i]!).slice();
        if (i % 5 === 3) {
          expectInvalid(() => hit.decode(packets[i]!.subarray(0, 50)));
          const bad = packets[i]!.slice();
          bad[0] = (bad[0]! & 0x87) | (11 << 3);
          expectInvalid(() => hit.decode(bad));
        }
        expect(hit.decode(packets[i]!)).toEqual(want);
      }
    }
  });

  it('skips in-band signalling, application data and a leading higher-band layer; stops at the terminator', () => {
    const clean = new SpeexDecoder();
    const d = new SpeexDecoder();
    for (let i = 0; i < 10; i++) {
      const p = packets[i]!;
      const want = clean.decode(p).slice();
      const dressed = new SpeexPacketWriter()
        .put(0b01110, 5).put(0, 4).put(1, 1) // in-band request 0 (1 bit)
        .put(0b01110, 5).put(10, 4).put(0xbeef, 16) // in-band request 10 (16 bits)
        .put(0b01101, 5).put(2, 4).put(0, 5 + 16) // user data, 2 bytes
        .put(0b1001, 4).put(0, 32) // a wideband-mode-1-sized layer first (as in a 32 kHz stream)
        .copy(p, 556)
        .put(0b01111, 5) // terminator, then bits that must be ignored
        .put(0x12345, 20)
        .bytes();
      expect(d.decode(dressed)).toEqual(want);
    }
    expect(d.decode(new Uint8Array(0)).length).toBe(0);
    expect(d.decode(Uint8Array.of(0x7f)).length).toBe(0); // terminator only
  });

  it('several frames in one packet decode as the same frames one per packet', () => {
    const one = new SpeexDecoder();
    const many = new SpeexDecoder();
    const w = new SpeexPacketWriter();
    const want: number[] = [];
    for (let i = 0; i < 6; i++) {
      w.copy(packets[i]!, 556);
      want.push(...one.decode(packets[i]!));
    }
    expect(Array.from(many.decode(w.bytes()))).toEqual(want);
  });

  it('reset() starts over: the same packets give the same output as a new decoder', () => {
    const d = new SpeexDecoder();
    const first = packets.slice(0, 15).map((p) => d.decode(p).slice());
    d.reset();
    const again = packets.slice(0, 15).map((p) => d.decode(p).slice());
    expect(again).toEqual(first);
  });

  it('refuses bad options with a TypeError', () => {
    expect(() => new SpeexDecoder({ sampleRate: 44100 as 16000 })).toThrow(TypeError);
    expect(() => new SpeexDecoder({ enhancer: 1 as unknown as boolean })).toThrow(TypeError);
  });

  it('fuzz: random and mutated packets give either PCM in [-1, 1] or AudioPacketInvalid, nothing else', () => {
    const rand = seededRandom(12);
    const decoders = [new SpeexDecoder(), new SpeexDecoder({ sampleRate: 8000 }), new SpeexDecoder({ enhancer: false })];
    let ok = 0;
    let refused = 0;
    for (let iter = 0; iter < 3000; iter++) {
      const base = pool[Math.floor(rand() * pool.length)]!;
      let p: Uint8Array;
      const kind = iter % 4;
      if (kind === 0) {
        p = base.slice();
        for (let k = 1 + Math.floor(rand() * 8); k > 0; k--) p[Math.floor(rand() * p.length)]! ^= 1 << Math.floor(rand() * 8);
      } else if (kind === 1) {
        p = base.slice(0, Math.floor(rand() * (base.length + 1)));
      } else if (kind === 2) {
        p = new Uint8Array(Math.floor(rand() * 160));
        for (let i = 0; i < p.length; i++) p[i] = Math.floor(rand() * 256);
      } else {
        const other = pool[Math.floor(rand() * pool.length)]!;
        p = new Uint8Array(base.length + other.length);
        p.set(base);
        p.set(other, base.length);
        p[Math.floor(rand() * p.length)]! ^= 1 << Math.floor(rand() * 8);
      }
      for (const d of decoders) {
        try {
          const pcm = d.decode(p);
          for (let i = 0; i < pcm.length; i++) {
            const v = pcm[i]!;
            if (!(v >= -1 && v <= 1)) throw new Error(`sample ${i} is ${v}`);
          }
          ok++;
        } catch (e) {
          if (!(e instanceof RtmpError) || e.code !== RtmpErrorCode.AudioPacketInvalid || e.fatal) throw e;
          refused++;
        }
      }
    }
    console.log(`speex fuzz: ${ok} decoded, ${refused} refused`);
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    // Still a working decoder afterwards.
    expect(decoders[0]!.decode(packets[0]!).length).toBe(320);
  });

  it('decode speed (printed)', () => {
    for (const sampleRate of [16000, 8000] as const) {
      const d = new SpeexDecoder({ sampleRate });
      let samples = 0;
      for (const p of packets) samples += d.decode(p).length; // warm-up
      // Best of a few rounds: the machine may be busy with other work.
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        for (const p of packets) d.decode(p);
        best = Math.min(best, performance.now() - t0);
      }
      const msPerSecond = best / (samples / sampleRate);
      console.log(`speex decode ${sampleRate} Hz: ${msPerSecond.toFixed(2)} ms per second of audio (${(1000 / msPerSecond).toFixed(0)}× real time)`);
      expect(msPerSecond).toBeLessThan(200);
    }
  });
});

describe('Speex fixtures', () => {
  for (const f of speexFixtures) {
    it(`${f.name} → ${f.expect}`, () => {
      let outcome = 'ok';
      try {
        audioCodecFuzzTargets.speex(f.bytes);
      } catch (e) {
        if (!(e instanceof RtmpError)) throw e;
        outcome = e.code;
      }
      expect(outcome).toBe(f.expect);
    });
  }
});
