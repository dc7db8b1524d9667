/**
 * web/src/frame-timecode.ts in Node: round trips in every pixel layout,
 * drawing = writing, noise, scaling (also anamorphic and letterboxed), real
 * H.264 at a low bitrate through FFmpeg, and rejection of garbage, flipped
 * cells and flat pictures.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  drawTimecode,
  readTimecode,
  timecodeAge,
  timecodeCheck,
  timecodeDiff,
  timecodeOf,
  timecodeStripHeight,
  TIMECODE_CELLS,
  TIMECODE_MODULUS,
  type TimecodeContext,
  writeTimecode,
} from '../../web/src/frame-timecode.ts';
import { seededRandom as rng } from '../../packages/rtmp-core/test/split-delivery.ts';

/** An RGBA image filled with mid-gray texture, like a picture under the strip. */
function rgbaImage(width: number, height: number, seed = 1): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(width * height * 4);
  const r = rng(seed);
  for (let i = 0; i < data.length; i += 4) {
    const v = 60 + r() * 130;
    data[i] = v;
    data[i + 1] = v * 0.8;
    data[i + 2] = 255 - v;
    data[i + 3] = 255;
  }
  return { data, width, height };
}

/** Bilinear resize of an RGBA image (what a compositor or a decoder's scaler does). */
function resize(src: { data: Uint8ClampedArray; width: number; height: number }, width: number, height: number) {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(src.height - 1, Math.max(0, ((y + 0.5) * src.height) / height - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(src.height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(src.width - 1, Math.max(0, ((x + 0.5) * src.width) / width - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(src.width - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 4; c++) {
        const p = (xx: number, yy: number) => src.data[(yy * src.width + xx) * 4 + c]!;
        out[(y * width + x) * 4 + c] = (p(x0, y0) * (1 - fx) + p(x1, y0) * fx) * (1 - fy) + (p(x0, y1) * (1 - fx) + p(x1, y1) * fx) * fy;
      }
    }
  }
  return { data: out, width, height };
}

/** A 2D context that rasterizes fillRect into an RGBA buffer (integer rects, as drawTimecode gives). */
function rasterContext(image: { data: Uint8ClampedArray; width: number; height: number }): TimecodeContext {
  const stack: string[] = [];
  const ctx = {
    fillStyle: '#000000' as string | CanvasGradient | CanvasPattern,
    save() {
      stack.push(String(ctx.fillStyle));
    },
    restore() {
      ctx.fillStyle = stack.pop() ?? '#000000';
    },
    fillRect(x: number, y: number, w: number, h: number) {
      const hex = String(ctx.fillStyle);
      const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      for (let yy = y; yy < y + h; yy++) {
        for (let xx = x; xx < x + w; xx++) {
          const o = (yy * image.width + xx) * 4;
          image.data.set([rgb[0]!, rgb[1]!, rgb[2]!, 255], o);
        }
      }
    },
  };
  return ctx;
}

const NOW = 1_767_225_600_123; // 2026-01-01T00:00:00.123Z

describe('frame timecode', () => {
  it('takes Date.now() modulo 2^32 and differences across the wrap', () => {
    expect(timecodeOf(NOW)).toBe(NOW % TIMECODE_MODULUS);
    expect(timecodeOf(-1)).toBe(TIMECODE_MODULUS - 1);
    expect(timecodeDiff(5, TIMECODE_MODULUS - 5)).toBe(10);
    expect(timecodeDiff(TIMECODE_MODULUS - 5, 5)).toBe(-10);
    expect(timecodeDiff(NOW + 250, NOW)).toBe(250);
    expect(timecodeAge(timecodeOf(NOW - 180), NOW)).toBe(180);
    // Across a wrap of the clock itself.
    const wrap = Math.ceil(NOW / TIMECODE_MODULUS) * TIMECODE_MODULUS;
    expect(timecodeAge(timecodeOf(wrap - 40), wrap + 60)).toBe(100);
  });

  it('round-trips in RGBA, RGB and gray', () => {
    for (const value of [0, 1, 0x80000000, TIMECODE_MODULUS - 1, timecodeOf(NOW), 0x12345678]) {
      for (const channels of [4, 3, 1] as const) {
        const image = { data: new Uint8Array(640 * 360 * channels).fill(128), width: 640, height: 360, channels };
        writeTimecode(image, value);
        expect(readTimecode(image)).toBe(value);
      }
    }
  });

  it('draws into a 2D context exactly what writeTimecode writes', () => {
    for (const [w, h] of [[640, 360], [1280, 720], [333, 187]] as const) {
      const drawn = rgbaImage(w, h);
      const written = rgbaImage(w, h);
      const ctx = rasterContext(drawn);
      ctx.fillStyle = '#123456';
      drawTimecode(ctx, { width: w, height: h }, NOW);
      expect(ctx.fillStyle).toBe('#123456');
      writeTimecode(written, NOW);
      expect(Buffer.from(drawn.data).equals(Buffer.from(written.data))).toBe(true);
      expect(readTimecode(drawn)).toBe(timecodeOf(NOW));
    }
  });

  it('reads through noise', () => {
    const r = rng(7);
    for (let trial = 0; trial < 50; trial++) {
      const value = Math.floor(r() * TIMECODE_MODULUS);
      const image = rgbaImage(640, 360, trial);
      writeTimecode(image, value);
      for (let i = 0; i < image.data.length; i++) if (i % 4 !== 3) image.data[i] = image.data[i]! + (r() - 0.5) * 160;
      expect(readTimecode(image)).toBe(value);
    }
  });

  it('reads after scaling up, down and out of aspect', () => {
    const src = rgbaImage(640, 360);
    writeTimecode(src, NOW);
    for (const [w, h] of [[1280, 720], [320, 180], [427, 240], [1920, 1080], [640, 480], [200, 112]] as const) {
      expect(readTimecode(resize(src, w, h)), `${w}×${h}`).toBe(timecodeOf(NOW));
    }
  });

  it('reads a letterboxed picture given its rect, and a copy of just the strip', () => {
    const image = rgbaImage(800, 600);
    const rect = { x: 80, y: 75, width: 640, height: 360 };
    writeTimecode(image, NOW, rect);
    expect(readTimecode(image, rect)).toBe(timecodeOf(NOW));
    expect(readTimecode(image)).toBeNull();

    const full = rgbaImage(640, 360);
    writeTimecode(full, NOW);
    const rows = timecodeStripHeight(360);
    const strip = { data: full.data.slice(0, 640 * rows * 4), width: 640, height: rows };
    expect(readTimecode(strip, { width: 640, height: 360 })).toBe(timecodeOf(NOW));
  });

  it('rejects garbage, flat pictures, a flipped cell and a bad check', () => {
    const r = rng(3);
    for (let trial = 0; trial < 300; trial++) {
      const image = { data: new Uint8ClampedArray(160 * 90 * 4), width: 160, height: 90 };
      // Random blocks of random size: noise, and shapes bigger than a cell.
      const block = 1 + Math.floor(r() * 12);
      for (let y = 0; y < 90; y++) {
        for (let x = 0; x < 160; x++) {
          const v = Math.floor(rng(trial * 100000 + Math.floor(y / block) * 1000 + Math.floor(x / block))() * 256);
          image.data.set([v, v, v, 255], (y * 160 + x) * 4);
        }
      }
      expect(readTimecode(image)).toBeNull();
    }
    for (const level of [0, 128, 255]) {
      expect(readTimecode({ data: new Uint8Array(64 * 36).fill(level), width: 64, height: 36, channels: 1 })).toBeNull();
    }
    // White over black everywhere reads as all ones, whose check is not all ones.
    expect(timecodeCheck(TIMECODE_MODULUS - 1)).not.toBe(0xff);
    const allOnes = { data: new Uint8Array(640 * 360).fill(255), width: 640, height: 360, channels: 1 as const };
    allOnes.data.fill(0, 640 * 15, 640 * 30);
    expect(readTimecode(allOnes)).toBeNull();
    expect(timecodeCheck(0)).not.toBe(0);

    // One value cell's rows swapped: the check fails.
    const flipped = { data: new Uint8Array(640 * 360).fill(100), width: 640, height: 360, channels: 1 as const };
    writeTimecode(flipped, NOW);
    const cell = 640 / TIMECODE_CELLS;
    for (let y = 0; y < 30; y++) for (let x = 5 * cell; x < 6 * cell; x++) flipped.data[y * 640 + x] = 255 - flipped.data[y * 640 + x]!;
    expect(readTimecode(flipped)).toBeNull();

    // Washed out: rows that differ by less than the contrast asked for.
    const faint = { data: new Uint8Array(640 * 360), width: 640, height: 360, channels: 1 as const };
    writeTimecode(faint, NOW);
    for (let i = 0; i < faint.data.length; i++) faint.data[i] = 110 + faint.data[i]! / 8;
    expect(readTimecode(faint)).toBeNull();
    expect(readTimecode(faint, faint, { minContrast: 20 })).toBe(timecodeOf(NOW));
  });

  it('survives H.264 at a low bitrate with a busy moving picture (libx264 through FFmpeg), scaled on decode', () => {
    const [w, h, frames] = [640, 360, 45];
    const raw = Buffer.alloc(w * h * frames);
    const values: number[] = [];
    const r = rng(11);
    const texture = Buffer.from(Array.from({ length: w * h * 2 }, () => Math.floor(r() * 256)));
    for (let n = 0; n < frames; n++) {
      const frame = raw.subarray(n * w * h, (n + 1) * w * h);
      // Noise that scrolls: the worst case for the bitrate.
      texture.copy(frame, 0, (n * 7 * w) % (w * h), (n * 7 * w) % (w * h) + w * h);
      const value = timecodeOf(NOW + Math.round((n * 1000) / 30));
      values.push(value);
      writeTimecode({ data: frame, width: w, height: h, channels: 1 }, value);
    }
    // At 150 kbit/s nearly every frame reads exactly; at 40 kbit/s x264,
    // starved by the noise, repeats whole pictures (skipped frames), so a
    // frame may show an earlier frame's code; never a code that was not sent.
    for (const [kbps, minExact] of [[150, frames - 2], [40, frames / 3]] as const) {
      const rate = `${kbps}k`;
      const h264 = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${w}x${h}`, '-r', '30', '-i', 'pipe:0',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-b:v', rate, '-maxrate', rate, '-bufsize', rate, '-pix_fmt', 'yuv420p', '-f', 'h264', 'pipe:1'],
      { input: raw, timeout: 30_000, maxBuffer: 64 << 20 });
      for (const [dw, dh] of [[w, h], [427, 240], [1280, 720]] as const) {
        const decoded = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-vf', `scale=${dw}:${dh}`, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
          { input: h264, timeout: 30_000, maxBuffer: 256 << 20 });
        expect(decoded.length).toBe(dw * dh * frames);
        let exact = 0;
        for (let n = 0; n < frames; n++) {
          const got = readTimecode({ data: decoded.subarray(n * dw * dh, (n + 1) * dw * dh), width: dw, height: dh, channels: 1 });
          if (got === null) continue;
          expect(values.slice(0, n + 1), `frame ${n} at ${dw}×${dh}, ${rate}`).toContain(got);
          if (got === values[n]) exact++;
        }
        expect(exact, `frames read exactly at ${dw}×${dh}, ${rate}`).toBeGreaterThanOrEqual(minExact);
      }
    }
  });
});
