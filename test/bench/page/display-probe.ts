/**
 * Reads the timecode from what a player displays, once per animation frame,
 * the way a camera pointed at the screen would: the top strip of the
 * element's picture (the canvas the worker draws into, or a `<video>`) is
 * copied with drawImage and decoded; {@link DisplayTally} keeps the count.
 */
import { readTimecode, timecodeStripHeight } from '../../../web/src/frame-timecode.ts';
import { BLACK_LUMA, DisplayTally } from '../display-tally.ts';

/** What the probe reads each tick: an image source and its picture size, or null while there is none. */
export type DisplaySource = () => { image: CanvasImageSource; width: number; height: number } | null;

/** The rAF loop over one display source. */
export class DisplayProbe {
  /** What it has seen. */
  readonly tally = new DisplayTally();
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  private raf = 0;

  constructor(private readonly source: DisplaySource) {
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false });
    if (!ctx) throw new Error('no 2D context for the probe');
    this.ctx = ctx;
  }

  /** Starts reading, every animation frame. */
  start(): void {
    const tick = () => {
      this.read();
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  /** Stops reading. */
  stop(): void {
    cancelAnimationFrame(this.raf);
  }

  private read(): void {
    const src = this.source();
    if (!src || src.width <= 0 || src.height <= 0) return;
    const rows = timecodeStripHeight(src.height);
    if (this.canvas.width !== src.width || this.canvas.height !== rows) {
      this.canvas.width = src.width;
      this.canvas.height = rows;
    }
    this.ctx.drawImage(src.image, 0, 0, src.width, rows, 0, 0, src.width, rows);
    const image = this.ctx.getImageData(0, 0, src.width, rows);
    const now = Date.now();
    const code = readTimecode(image, { width: src.width, height: src.height });
    this.tally.see(code, now, code === null && meanLevel(image.data) < BLACK_LUMA);
  }
}

/** Mean of the RGB channels over an RGBA buffer (every 7th pixel), 0–255. */
function meanLevel(data: Uint8ClampedArray): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i += 4 * 7) {
    sum += (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}
