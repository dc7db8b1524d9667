/**
 * Reads the timecode from what a player displays, once per animation frame,
 * the way a camera pointed at the screen would: the top strip of the
 * element's picture (the canvas the worker draws into, or a `<video>`) is
 * copied with drawImage and decoded; {@link DisplayTally} keeps the count.
 */
import { DisplayedTimecodeReader } from '../../../web/src/frame-timecode.ts';
import { BLACK_LUMA, DisplayTally } from '../display-tally.ts';

/** What the probe reads each tick: an image source and its picture size, or null while there is none. */
export type DisplaySource = () => { image: CanvasImageSource; width: number; height: number } | null;

/** The rAF loop over one display source. */
export class DisplayProbe {
  /** What it has seen. */
  readonly tally = new DisplayTally();
  /** The full width: the probe reads the picture as shown, unscaled. */
  private readonly reader = new DisplayedTimecodeReader(Infinity);
  private raf = 0;

  /**
   * `onCode`, where given, hears every readable code the moment it is read
   * (wall time `nowMs`), repeats included: the soak's recovery watch.
   */
  constructor(
    private readonly source: DisplaySource,
    private readonly onCode?: (code: number, nowMs: number) => void,
  ) {}

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
    const seen = src && this.reader.read(src.image, src.width, src.height);
    if (!seen) return;
    const now = Date.now();
    this.tally.see(seen.code, now, seen.code === null && meanLevel(seen.strip.data) < BLACK_LUMA);
    if (seen.code !== null) this.onCode?.(seen.code, now);
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
