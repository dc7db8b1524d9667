/**
 * A machine-readable wall-clock timecode drawn into the picture, for
 * measuring glass-to-glass latency: the publisher draws `Date.now()` into each
 * frame, a player's output is read back, and latency = now − code.
 *
 * The code is a strip across the top of the picture: 40 cells side by side,
 * the 32 bits of `Date.now() mod 2^32` (most significant first) and then an
 * 8-bit CRC of them. Each cell has two rows: the bit on top (white = 1,
 * black = 0) and its complement below. A reader compares each cell's two
 * rows, so it needs no threshold tuned to the encoder's levels, and a cell
 * whose rows do not differ clearly makes the whole code unreadable.
 *
 * The geometry is relative to the picture: a cell is 1/40 of its width, a
 * row 1/24 of its height (16 × 15 px at 640 × 360, 32 × 30 px at
 * 1280 × 720), so it survives scaling to any size or aspect, and the cells
 * are large enough for H.264 at a low bitrate. A reader averages the middle
 * half of each row of each cell, away from the edges that compression and
 * scaling blur.
 *
 * This module has no dependencies: the demo's test pattern, the benchmark
 * page and the Node side of the benchmark (FFmpeg's raw frames) all use it.
 */

/** The code's value range: values are `Date.now()` modulo this (2^32 ms ≈ 49.7 days). */
export const TIMECODE_MODULUS = 2 ** 32;

/** Cells across the strip: 32 value bits, then 8 CRC bits. */
export const TIMECODE_CELLS = 40;

/** The strip's height as a fraction of the picture's height (two rows of 1/24 each). */
export const TIMECODE_STRIP_FRACTION = 1 / 12;

/**
 * Smallest difference, in luma levels (0–255), between a cell's two rows for
 * the cell to count as read. Black against white differs by 255; H.264 at a
 * low bitrate and bilinear scaling keep well over 150 of that.
 */
export const DEFAULT_MIN_CONTRAST = 48;

const VALUE_BITS = 32;
const ROWS = 24;

/** Where the picture is, in pixels of the canvas or image: the strip goes across its top. */
export interface TimecodeRect {
  /** Left edge (default 0). */
  x?: number;
  /** Top edge (default 0). */
  y?: number;
  width: number;
  height: number;
}

/**
 * Pixels to read a code from, or to write one into: `ImageData` fits
 * (RGBA), and so does a raw gray (1 channel) or RGB (3 channels) frame.
 * `data` holds `height` rows of `width × channels` bytes.
 */
export interface TimecodeImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
  /** Bytes per pixel: 4 (RGBA, the default, as in ImageData), 3 (RGB) or 1 (gray). */
  channels?: 1 | 3 | 4;
}

/** The same, writable: what {@link writeTimecode} fills in. */
export interface WritableTimecodeImage extends TimecodeImage {
  data: { [index: number]: number; readonly length: number };
}

/** The part of a 2D context {@link drawTimecode} uses (CanvasRenderingContext2D and OffscreenCanvasRenderingContext2D both fit). */
export type TimecodeContext = Pick<CanvasRenderingContext2D, 'fillStyle' | 'fillRect' | 'save' | 'restore'>;

/** One cell's two rows, in whole pixels. */
interface CellBox {
  x0: number;
  x1: number;
  /** Top of the bit row. */
  y0: number;
  /** Bottom of the bit row = top of the complement row. */
  y1: number;
  /** Bottom of the complement row. */
  y2: number;
}

/** `ms` (default: now) as a timecode value: `Date.now()` modulo 2^32. */
export function timecodeOf(ms: number = Date.now()): number {
  const v = Math.floor(ms) % TIMECODE_MODULUS;
  return v < 0 ? v + TIMECODE_MODULUS : v;
}

/**
 * `a − b` for two timecode values, in ms, correct across the 2^32 wrap:
 * the result is in [−2^31, 2^31), so values less than ~24.8 days apart
 * compare right.
 */
export function timecodeDiff(a: number, b: number): number {
  let d = (timecodeOf(a) - timecodeOf(b)) % TIMECODE_MODULUS;
  if (d < 0) d += TIMECODE_MODULUS;
  return d >= TIMECODE_MODULUS / 2 ? d - TIMECODE_MODULUS : d;
}

/** How old a code read from a picture is at `nowMs` (default: now), in ms: the latency of that picture. */
export function timecodeAge(code: number, nowMs: number = Date.now()): number {
  return timecodeDiff(timecodeOf(nowMs), code);
}

/** The strip's height in pixels for a picture `height` pixels high (what a reader needs to copy). */
export function timecodeStripHeight(height: number): number {
  return Math.ceil(height * TIMECODE_STRIP_FRACTION);
}

/**
 * CRC-8/I-432-1 (polynomial 0x07, xor-out 0x55) of the value's four bytes,
 * big-endian. The xor-out keeps value 0 from having check 0, so an all-black
 * over all-white strip is no valid code.
 */
export function timecodeCheck(value: number): number {
  let crc = 0;
  for (let shift = 24; shift >= 0; shift -= 8) {
    crc ^= (value >>> shift) & 0xff;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc ^ 0x55;
}

/** The 40 bits a value is drawn as: the value's 32 bits, then its check, most significant first. */
function codeBits(value: number): boolean[] {
  const v = timecodeOf(value);
  const check = timecodeCheck(v);
  const bits: boolean[] = [];
  for (let i = VALUE_BITS - 1; i >= 0; i--) bits.push(((v >>> i) & 1) === 1);
  for (let i = 7; i >= 0; i--) bits.push(((check >>> i) & 1) === 1);
  return bits;
}

/** The cells of the strip over `rect`, rounded to whole pixels the same way for drawing, writing and reading. */
function cellBoxes(rect: TimecodeRect): CellBox[] {
  const x = rect.x ?? 0;
  const y = rect.y ?? 0;
  const cw = rect.width / TIMECODE_CELLS;
  const rh = rect.height / ROWS;
  const y0 = Math.round(y);
  const y1 = Math.round(y + rh);
  const y2 = Math.round(y + 2 * rh);
  const boxes: CellBox[] = [];
  for (let i = 0; i < TIMECODE_CELLS; i++) boxes.push({ x0: Math.round(x + i * cw), x1: Math.round(x + (i + 1) * cw), y0, y1, y2 });
  return boxes;
}

/** Checks a rect's size, naming the argument. */
function checkRect(rect: TimecodeRect, what: string): void {
  if (!(rect.width > 0 && rect.height > 0)) throw new TypeError(`${what}: width and height must be positive (got ${rect.width} × ${rect.height})`);
}

/**
 * Draws the code for `value` (default: now; any number, taken modulo 2^32)
 * across the top of `rect` in a 2D context: black and white cells over the
 * top 1/12 of the picture. The context's fill style is left as it was.
 */
export function drawTimecode(ctx: TimecodeContext, rect: TimecodeRect, value: number = Date.now()): void {
  checkRect(rect, 'drawTimecode');
  const bits = codeBits(value);
  ctx.save();
  cellBoxes(rect).forEach((c, i) => {
    const on = bits[i] === true;
    ctx.fillStyle = on ? '#ffffff' : '#000000';
    ctx.fillRect(c.x0, c.y0, c.x1 - c.x0, c.y1 - c.y0);
    ctx.fillStyle = on ? '#000000' : '#ffffff';
    ctx.fillRect(c.x0, c.y1, c.x1 - c.x0, c.y2 - c.y1);
  });
  ctx.restore();
}

/**
 * Writes the same code as {@link drawTimecode} into raw pixels (a gray, RGB
 * or RGBA frame, e.g. one about to be piped to FFmpeg), over the top of
 * `rect` (default: the whole frame). Pure apart from writing into
 * `image.data`; alpha, where there is one, is set opaque.
 */
export function writeTimecode(image: WritableTimecodeImage, value: number = Date.now(), rect: TimecodeRect = image): void {
  checkRect(rect, 'writeTimecode');
  const channels = image.channels ?? 4;
  const bits = codeBits(value);
  const fill = (x0: number, x1: number, y0: number, y1: number, level: number) => {
    for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
        const o = (y * image.width + x) * channels;
        if (channels === 1) image.data[o] = level;
        else {
          image.data[o] = level;
          image.data[o + 1] = level;
          image.data[o + 2] = level;
          if (channels === 4) image.data[o + 3] = 255;
        }
      }
    }
  };
  cellBoxes(rect).forEach((c, i) => {
    const on = bits[i] === true;
    fill(c.x0, c.x1, c.y0, c.y1, on ? 255 : 0);
    fill(c.x0, c.x1, c.y1, c.y2, on ? 0 : 255);
  });
}

/** Mean luma (BT.601) over the middle half of a box; NaN when the middle is outside the image or empty. */
function meanLuma(image: TimecodeImage, channels: number, x0: number, x1: number, y0: number, y1: number): number {
  const w = x1 - x0;
  const h = y1 - y0;
  const ax = Math.floor(x0 + w / 4);
  const bx = Math.max(ax + 1, Math.ceil(x1 - w / 4));
  const ay = Math.floor(y0 + h / 4);
  const by = Math.max(ay + 1, Math.ceil(y1 - h / 4));
  if (ax < 0 || ay < 0 || bx > image.width || by > image.height) return NaN;
  const d = image.data;
  let sum = 0;
  for (let y = ay; y < by; y++) {
    for (let x = ax; x < bx; x++) {
      const o = (y * image.width + x) * channels;
      sum += channels === 1 ? d[o]! : 0.299 * d[o]! + 0.587 * d[o + 1]! + 0.114 * d[o + 2]!;
    }
  }
  return sum / ((bx - ax) * (by - ay));
}

/** Options of {@link readTimecode}. */
export interface ReadTimecodeOptions {
  /** See {@link DEFAULT_MIN_CONTRAST}. */
  minContrast?: number;
}

/**
 * Reads the code from the top of `rect` (default: the whole image) in
 * `image` (an ImageData, or a raw gray/RGB frame with `channels` set).
 * Returns the value (ms modulo 2^32) or null when there is no readable code:
 * a cell whose two rows differ by less than `minContrast`, a failed check,
 * or a strip outside the image.
 *
 * `rect` is the whole picture, even when `image` holds only its top (a
 * reader may copy just {@link timecodeStripHeight} rows): only the strip's
 * pixels must be inside `image`.
 */
export function readTimecode(image: TimecodeImage, rect: TimecodeRect = image, options: ReadTimecodeOptions = {}): number | null {
  if (!(rect.width > 0 && rect.height > 0)) return null;
  const channels = image.channels ?? 4;
  if (image.data.length < image.width * image.height * channels) return null;
  const minContrast = options.minContrast ?? DEFAULT_MIN_CONTRAST;
  let value = 0;
  let check = 0;
  const boxes = cellBoxes(rect);
  for (let i = 0; i < boxes.length; i++) {
    const c = boxes[i]!;
    const top = meanLuma(image, channels, c.x0, c.x1, c.y0, c.y1);
    const bottom = meanLuma(image, channels, c.x0, c.x1, c.y1, c.y2);
    if (!(Math.abs(top - bottom) >= minContrast)) return null; // also NaN: outside the image
    const bit = top > bottom ? 1 : 0;
    if (i < VALUE_BITS) value = value * 2 + bit;
    else check = check * 2 + bit;
  }
  return timecodeCheck(value) === check ? value : null;
}

/** What {@link DisplayedTimecodeReader.read} saw: the code (or null) and the strip's pixels as copied. */
export interface DisplayedTimecode {
  code: number | null;
  /** The strip as copied (scaled to at most the reader's width), for callers that look further (is it black?). */
  strip: ImageData;
}

/**
 * Reads the code off a picture on the page (a canvas, such as the one
 * `<rtmp-player>` draws into, or a `<video>`), the way a camera pointed at
 * the screen would: only the strip's rows are copied, scaled down to at most
 * `maxWidth` (the geometry is relative, so a small copy reads the same and
 * costs little), into one reused canvas. For the browser only (it needs a
 * 2D context); the demo's meter and the benchmark's probe both use it.
 */
export class DisplayedTimecodeReader {
  private readonly canvas: HTMLCanvasElement | OffscreenCanvas;
  private readonly ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

  constructor(private readonly maxWidth = 320) {
    this.canvas = typeof document === 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (ctx === null) throw new Error('no 2D context to read the timecode with');
    this.ctx = ctx;
  }

  /** Reads `source`, a picture of `width` × `height` pixels; null before it has a size. */
  read(source: CanvasImageSource, width: number, height: number): DisplayedTimecode | null {
    if (!(width > 0 && height > 0)) return null;
    const w = Math.min(this.maxWidth, width);
    const h = Math.round((height * w) / width);
    const rows = timecodeStripHeight(h);
    if (this.canvas.width !== w || this.canvas.height !== rows) {
      this.canvas.width = w;
      this.canvas.height = rows;
    }
    this.ctx.drawImage(source, 0, 0, width, (rows * height) / h, 0, 0, w, rows);
    const strip = this.ctx.getImageData(0, 0, w, rows);
    return { code: readTimecode(strip, { width: w, height: h }), strip };
  }
}
