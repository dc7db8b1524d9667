/**
 * `npm run bench:core`: throughput of the sans-I/O core's hot paths, on this
 * machine, single-threaded. Numbers only; no thresholds (those would be
 * timed assertions).
 *
 * - chunk reader: a 4 Mbit/s-like stream of 20 KB video + 400 B audio
 *   messages, at chunk size 128 (RTMP's default) and 4096, pushed in 16 KiB
 *   pieces as a socket would deliver them;
 * - chunk writer: the same messages chunked for sending;
 * - AMF0: decoding an onStatus command;
 * - our own audio decoders: decode speed as a multiple of real time, per
 *   codec and rate, on 10 s of speech-band noise FFmpeg encodes (skipped
 *   without FFmpeg).
 */
import { execFileSync } from 'node:child_process';
import { decodeAmf0, encodeAmf0 } from '../src/amf/amf0.ts';
import { NellymoserDecoder } from '../src/audio-codecs/nellymoser/nellymoser-decoder.ts';
import type { PcmDecoder } from '../src/audio-codecs/pcm-decoder.ts';
import { SpeexDecoder } from '../src/audio-codecs/speex/speex-decoder.ts';
import { parseAudioTag } from '../src/flv/audio-tag.ts';
import { FlvFileReader } from '../src/flv/flv-file.ts';
import { ChunkReader } from '../src/chunk/chunk-reader.ts';
import { ChunkWriter } from '../src/chunk/chunk-writer.ts';
import type { RtmpMessage } from '../src/message/message-types.ts';

function messages(count: number): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  const video = new Uint8Array(20_000).fill(0x17);
  const audio = new Uint8Array(400).fill(0xaf);
  for (let i = 0; i < count; i++) {
    out.push({ csid: 7, typeId: 9, streamId: 1, timestamp: i * 33, payload: video });
    out.push({ csid: 6, typeId: 8, streamId: 1, timestamp: i * 23, payload: audio });
  }
  return out;
}

function time(run: () => void): number {
  run(); // warm up
  const t = performance.now();
  run();
  return performance.now() - t;
}

const msgs = messages(3000);
for (const chunkSize of [128, 4096]) {
  const w = new ChunkWriter();
  const parts: Uint8Array[] = [w.setChunkSize(chunkSize)];
  const writeMs = time(() => {
    const ww = new ChunkWriter();
    ww.setChunkSize(chunkSize);
    for (const m of msgs) ww.write(m);
  });
  for (const m of msgs) parts.push(w.write(m));
  const stream = Buffer.concat(parts);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 16384) pieces.push(stream.subarray(i, i + 16384));
  let count = 0;
  const readMs = time(() => {
    const r = new ChunkReader(() => count++);
    for (const p of pieces) r.push(p);
  });
  const mb = stream.length / 1e6;
  console.log(
    `chunk size ${String(chunkSize).padStart(4)}: read ${(mb / (readMs / 1000)).toFixed(0)} MB/s, ` +
      `write ${(mb / (writeMs / 1000)).toFixed(0)} MB/s (${mb.toFixed(1)} MB, ${msgs.length} messages)`,
  );
}

const status = encodeAmf0(['onStatus', 0, null, { level: 'status', code: 'NetStream.Play.Start', description: 'Started playing live.', details: 'x' }]);
const n = 100_000;
const amfMs = time(() => {
  for (let i = 0; i < n; i++) decodeAmf0(status);
});
console.log(`AMF0 onStatus decode: ${Math.round(n / (amfMs / 1000))} messages/s`);

/** One of our own audio decoders at one rate: how FFmpeg encodes it, and the decoder. */
interface AudioDecodeCase {
  codec: string;
  rate: number;
  /** FFmpeg's audio encoder arguments. */
  encoder: string[];
  decoder: () => PcmDecoder;
}

const audioCases: AudioDecodeCase[] = [
  ...[8000, 16000, 22050, 44100].map((rate) => ({
    codec: 'nellymoser',
    rate,
    encoder: ['-c:a', 'nellymoser'],
    decoder: () => new NellymoserDecoder(rate),
  })),
  // Speex as FLV carries it: wideband (16 kHz), libspeex's defaults, our decoder with its enhancer on (the default).
  { codec: 'speex', rate: 16000, encoder: ['-c:a', 'libspeex'], decoder: () => new SpeexDecoder() },
];

/** The audio packets (tag payloads after the flags byte) of 10 s FFmpeg encodes, or null without FFmpeg. */
function encodedPackets(c: AudioDecodeCase): Uint8Array[] | null {
  let flv: Buffer;
  try {
    const source = `anoisesrc=color=pink:amplitude=0.5:seed=7:sample_rate=${c.rate},highpass=f=300,lowpass=f=3400`;
    flv = execFileSync(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', source, '-t', '10', ...c.encoder, '-ar', String(c.rate), '-ac', '1', '-f', 'flv', 'pipe:1'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch {
    return null;
  }
  const reader = new FlvFileReader();
  const packets: Uint8Array[] = [];
  for (const item of reader.push(new Uint8Array(flv))) {
    if (item.kind !== 'tag' || item.tagType !== 8) continue;
    const tag = parseAudioTag(item.data);
    if (tag.kind === 'frame') packets.push(tag.data);
  }
  return packets;
}

for (const c of audioCases) {
  const packets = encodedPackets(c);
  if (packets === null) {
    console.log(`${c.codec} ${c.rate} Hz decode: skipped (no ffmpeg)`);
    continue;
  }
  const decoder = c.decoder();
  let samples = 0;
  const rounds = 5;
  const ms = time(() => {
    samples = 0;
    for (let r = 0; r < rounds; r++) for (const p of packets) samples += decoder.decode(p).length;
  });
  const audioSeconds = samples / c.rate;
  console.log(
    `${c.codec.padEnd(10)} ${String(c.rate).padStart(5)} Hz decode: ${Math.round(audioSeconds / (ms / 1000))}× real time ` +
      `(${audioSeconds.toFixed(0)} s of audio in ${ms.toFixed(0)} ms)`,
  );
}
