/**
 * Our Nellymoser decoder against FFmpeg's, on streams FFmpeg encodes here
 * (never committed): a 440 Hz tone and speech-band noise (pink noise,
 * 300–3400 Hz) at 8, 16, 22.05 and 44.1 kHz, demuxed with the core's FLV
 * reader and tag parser, decoded by ours and by `ffmpeg -f f32le`, aligned,
 * and compared as a signal-to-noise ratio (FFmpeg's output the signal).
 *
 * Two numbers per stream:
 * - **same noise**: ours given FFmpeg's noise generator for the noise fill
 *   (coefficients that get no bits are ±√½·amplitude with a random sign,
 *   which the format leaves to the decoder). Everything else — envelope,
 *   bit allocation, dequantisation, inverse MDCT, window — must then agree
 *   to float precision.
 * - **own noise**: ours as it plays, with its own generator. The difference
 *   is the noise fill alone, so it is large on a tone (few coefficients go
 *   unfilled) and small on noise-like signals (many do, at low rates most).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { NellymoserDecoder } from '../../src/audio-codecs/nellymoser/nellymoser-decoder.ts';
import { parseAudioTag } from '../../src/flv/audio-tag.ts';
import { audioDecoderConfigFromTag } from '../../src/flv/codec-config.ts';
import { FlvFileReader } from '../../src/flv/flv-file.ts';
import { makeMedia } from '../../../../test/peers/ffmpeg.ts';
import { ffmpegLfg } from './ffmpeg-lfg.ts';
import { compareWithReference, concatPcm } from './pcm-compare.ts';

const RATES = [8000, 16000, 22050, 44100] as const;
const SIGNALS = {
  tone: (rate: number) => `sine=frequency=440:sample_rate=${rate}`,
  'speech-band noise': (rate: number) => `anoisesrc=color=pink:amplitude=0.5:seed=7:sample_rate=${rate},highpass=f=300,lowpass=f=3400`,
} as const;

/** What each case must reach, dB: measured (see the table the suite prints) less a margin. */
const BOUNDS = {
  sameNoise: 100,
  ownNoise: { tone: 60, 'speech-band noise': 18 },
} as const;

const rows: string[] = [];
afterAll(() => {
  console.log(
    ['Nellymoser: SNR of ours against FFmpeg 5.1\'s decoder, dB', 'signal            | rate  | same noise | own noise | lag', ...rows].join('\n'),
  );
});

async function decodeBoth(signal: keyof typeof SIGNALS, rate: number) {
  const args = ['-f', 'lavfi', '-i', SIGNALS[signal](rate), '-t', '3', '-c:a', 'nellymoser', '-ar', String(rate), '-f', 'flv'];
  const flv = await makeMedia(`nelly-${signal.replace(/\W+/g, '-')}-${rate}.flv`, args);
  const ref = await makeMedia(`nelly-${signal.replace(/\W+/g, '-')}-${rate}.f32`, ['-i', flv, '-f', 'f32le', '-ac', '1']);
  const reader = new FlvFileReader();
  const items = reader.push(new Uint8Array(readFileSync(flv)));
  reader.end();
  const same = new NellymoserDecoder(rate, { noise: ffmpegLfg(0) });
  const own = new NellymoserDecoder(rate);
  const sameOut: Float32Array[] = [];
  const ownOut: Float32Array[] = [];
  let packets = 0;
  for (const item of items) {
    if (item.kind !== 'tag' || item.tagType !== 8) continue;
    const tag = parseAudioTag(item.data);
    if (tag.kind !== 'frame') throw new Error(`unexpected ${tag.kind}`);
    expect(audioDecoderConfigFromTag(tag)).toEqual({ codec: 'nellymoser', sampleRate: rate, numberOfChannels: 1 });
    sameOut.push(same.decode(tag.data).slice());
    ownOut.push(own.decode(tag.data).slice());
    packets++;
  }
  const buf = readFileSync(ref);
  const reference = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return { packets, reference, sameNoise: concatPcm(sameOut), ownNoise: concatPcm(ownOut) };
}

describe('Nellymoser: ours against FFmpeg, per rate, on a tone and speech-band noise', () => {
  for (const signal of Object.keys(SIGNALS) as (keyof typeof SIGNALS)[]) {
    for (const rate of RATES) {
      it(`${signal} at ${rate} Hz`, async () => {
        const d = await decodeBoth(signal, rate);
        expect(d.packets).toBeGreaterThan(10);
        expect(d.sameNoise.length).toBe(d.reference.length);
        const same = compareWithReference(d.sameNoise, d.reference);
        const own = compareWithReference(d.ownNoise, d.reference);
        rows.push(
          `${signal.padEnd(17)} | ${String(rate).padEnd(5)} | ${same.snrDb.toFixed(1).padStart(10)} | ${own.snrDb.toFixed(1).padStart(9)} | ${same.lag}`,
        );
        expect(same.lag).toBe(0); // the same packets give the same samples, from the first
        expect(same.snrDb).toBeGreaterThan(BOUNDS.sameNoise);
        expect(own.snrDb).toBeGreaterThan(BOUNDS.ownNoise[signal]);
      });
    }
  }
});
