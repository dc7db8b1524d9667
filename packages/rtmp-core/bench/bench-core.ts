/**
 * `npm run bench:core`: throughput of the sans-I/O core's hot paths, on this
 * machine, single-threaded. Numbers only; no thresholds (those would be
 * timed assertions).
 *
 * - chunk reader: a 4 Mbit/s-like stream of 20 KB video + 400 B audio
 *   messages, at chunk size 128 (RTMP's default) and 4096, pushed in 16 KiB
 *   pieces as a socket would deliver them;
 * - chunk writer: the same messages chunked for sending;
 * - AMF0: decoding an onStatus command.
 */
import { decodeAmf0, encodeAmf0 } from '../src/amf/amf0.ts';
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
