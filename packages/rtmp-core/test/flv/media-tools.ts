/**
 * Test helpers for the FLV layer: run FFmpeg/ffprobe to make real streams in
 * a temporary directory, pull codec configuration boxes out of MP4/Ogg
 * files FFmpeg 5.1 cannot put in FLV, and feed the resumable FLV reader in
 * every way the tests compare (whole, one byte at a time, random pieces).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readU32Be } from '../../src/bytes/byte-cursor.ts';
import { FlvFileReader, type FlvFileItem, type FlvFileReaderOptions } from '../../src/flv/flv-file.ts';

/** A temporary directory with FFmpeg helpers; `dispose()` removes it. */
export class MediaDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'rtmp-flv-test-'));

  /** Runs `ffmpeg -y -v error <args> <out>` and returns the output file's bytes. */
  ffmpeg(args: readonly string[], outName: string): Uint8Array {
    const out = join(this.dir, outName);
    execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...args, out], { stdio: 'pipe' });
    return new Uint8Array(readFileSync(out));
  }

  /** Path of a file in the directory. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Removes the directory. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One stream as ffprobe reports it. */
export interface ProbedStream {
  codec_name: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

/** Runs ffprobe on a file and returns its streams. */
export function ffprobeStreams(path: string): ProbedStream[] {
  const json = execFileSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name,profile,level,width,height,sample_rate,channels', '-of', 'json', path],
    { encoding: 'utf8' },
  );
  return (JSON.parse(json) as { streams: ProbedStream[] }).streams;
}

/** Counts video packets and keyframes as ffprobe sees them. */
export function ffprobeVideoPackets(path: string): { packets: number; keyframes: number } {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', path],
    { encoding: 'utf8' },
  );
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  return { packets: lines.length, keyframes: lines.filter((l) => l.includes('K')).length };
}

const CONTAINER_BOXES = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);
// Sample entries: the visual sample entry header is 78 bytes after the box header.
const VISUAL_SAMPLE_ENTRIES = new Set(['avc1', 'hvc1', 'hev1', 'av01', 'vp09']);

/**
 * Finds the payload of a codec configuration box (avcC, hvcC, av1C, vpcC)
 * inside an MP4 file's first video sample entry, walking the box tree.
 */
export function findMp4ConfigBox(mp4: Uint8Array, type: string): Uint8Array | undefined {
  const walk = (start: number, end: number): Uint8Array | undefined => {
    let o = start;
    while (o + 8 <= end) {
      const size = readU32Be(mp4, o);
      const name = String.fromCharCode(mp4[o + 4]!, mp4[o + 5]!, mp4[o + 6]!, mp4[o + 7]!);
      if (size < 8 || o + size > end) return undefined;
      if (name === type) return mp4.subarray(o + 8, o + size);
      let found: Uint8Array | undefined;
      if (CONTAINER_BOXES.has(name)) found = walk(o + 8, o + size);
      else if (name === 'stsd') found = walk(o + 16, o + size); // FullBox + entry_count
      else if (VISUAL_SAMPLE_ENTRIES.has(name)) found = walk(o + 8 + 78, o + size);
      if (found !== undefined) return found;
      o += size;
    }
    return undefined;
  };
  return walk(0, mp4.length);
}

/** The first packet of the first logical stream of an Ogg file (the Opus ID header). */
export function oggFirstPacket(ogg: Uint8Array): Uint8Array {
  if (String.fromCharCode(...ogg.subarray(0, 4)) !== 'OggS') throw new Error('not an Ogg file');
  const segments = ogg[26]!;
  let len = 0;
  for (let i = 0; i < segments; i++) {
    const lace = ogg[27 + i]!;
    len += lace;
    if (lace < 255) break;
  }
  const start = 27 + segments;
  return ogg.subarray(start, start + len);
}

/** A small deterministic PRNG (mulberry32), so random splits are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes into pieces of random sizes (1..maxPiece). Each piece is a copy, as from a socket. */
export function randomPieces(bytes: Uint8Array, seed: number, maxPiece = 97): Uint8Array[] {
  const rnd = prng(seed);
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    const n = 1 + Math.floor(rnd() * maxPiece);
    out.push(bytes.slice(o, o + n));
    o += n;
  }
  return out;
}

/** Splits bytes into 1-byte pieces. */
export function bytePieces(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.slice(i, i + 1));
  return out;
}

/** Pushes pieces into a new reader, then ends it; returns the items. */
export function readFlvPieces(pieces: readonly Uint8Array[], options?: FlvFileReaderOptions): FlvFileItem[] {
  const r = new FlvFileReader(options);
  const items: FlvFileItem[] = [];
  for (const p of pieces) items.push(...r.push(p));
  r.end();
  return items;
}

/** A comparable form of reader output: tag data as hex. */
export function itemsForCompare(items: readonly FlvFileItem[]): unknown[] {
  return items.map((it) => (it.kind === 'tag' ? { ...it, data: Buffer.from(it.data).toString('hex') } : it));
}

/**
 * Reads an FLV file whole, one byte at a time, and in random pieces for
 * several seeds, and returns the items after checking every way gives the
 * same output. Errors are compared the same way: the first error's code
 * must match in every delivery.
 */
export function readFlvAllWays(bytes: Uint8Array, options?: FlvFileReaderOptions): FlvFileItem[] {
  const whole = readFlvPieces([bytes], options);
  const expected = JSON.stringify(itemsForCompare(whole));
  const deliveries: [string, Uint8Array[]][] = [
    ['1-byte pieces', bytePieces(bytes)],
    ['random pieces (seed 1)', randomPieces(bytes, 1)],
    ['random pieces (seed 2)', randomPieces(bytes, 2, 7)],
    ['random pieces (seed 3)', randomPieces(bytes, 3, 4096)],
  ];
  for (const [name, pieces] of deliveries) {
    const got = JSON.stringify(itemsForCompare(readFlvPieces(pieces, options)));
    if (got !== expected) throw new Error(`FLV reader output differs when fed ${name}`);
  }
  return whole;
}

/** The error code (or 'ok') a function gives. */
export function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? code : `non-RtmpError: ${String(e)}`;
  }
}

/** The outcome of reading an FLV file whole, 1 byte at a time and in random pieces: all must agree. */
export function flvOutcomeAllWays(bytes: Uint8Array): string {
  const ways = [[bytes], bytePieces(bytes), randomPieces(bytes, 7), randomPieces(bytes, 8, 5)];
  const outcomes = ways.map((pieces) => outcome(() => readFlvPieces(pieces)));
  if (new Set(outcomes).size !== 1) throw new Error(`FLV reader outcome depends on delivery: ${outcomes.join(', ')}`);
  return outcomes[0]!;
}
