/**
 * True glass-to-glass latency, measured on the page: the test pattern draws
 * `Date.now()` into every frame as a timecode strip (frame-timecode.ts), and
 * this reads the strip back from the picture the player shows, once per
 * animation frame. Both ends run in this page, on one clock, so the age of
 * the code on screen is everything between them: capture, encoding, the
 * upload, the server, the bridge, the player's buffer, decoding and drawing.
 *
 * Each picture counts once, when it first appears (a new code): a frame
 * stays on screen for several animation frames, and reading it again later
 * would only measure how long it stayed.
 */
import { DisplayedTimecodeReader, timecodeAge } from './frame-timecode.ts';

/** Pictures the reported median covers: about a second of video. */
const WINDOW = 30;
/** With no new code for this long (ms), there is no reading: another source, a stall, a pause. */
const STALE_MS = 2000;

/** Reads the timecode off a picture every animation frame; see the file comment. */
export class GlassToGlassMeter {
  private readonly reader = new DisplayedTimecodeReader();
  private readonly ages: number[] = [];
  private lastCode: number | null = null;
  private lastNewAt = -Infinity;
  private loop: object | null = null;

  /** @param picture the canvas showing the picture (for `<rtmp-player>`, the one in its shadow root), or null while there is none. */
  constructor(private readonly picture: () => HTMLCanvasElement | null | undefined) {}

  /** Starts reading, every animation frame (none while the page is hidden). */
  start(): void {
    if (this.loop !== null) return;
    // A token per loop, so a stop() and start() in one frame leave one loop running.
    const loop = {};
    this.loop = loop;
    const tick = () => {
      if (this.loop !== loop) return;
      this.read();
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  /** Stops reading and forgets what it read. */
  stop(): void {
    this.loop = null;
    this.ages.length = 0;
    this.lastCode = null;
    this.lastNewAt = -Infinity;
  }

  /** Median glass-to-glass latency over the last {@link WINDOW} pictures, ms; undefined while no code is readable. */
  get latencyMs(): number | undefined {
    if (this.ages.length === 0 || performance.now() - this.lastNewAt > STALE_MS) return undefined;
    const sorted = [...this.ages].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  private read(): void {
    const src = this.picture();
    if (!src) return;
    const code = this.reader.read(src, src.width, src.height)?.code ?? null;
    if (code === null || code === this.lastCode) return;
    this.lastCode = code;
    this.lastNewAt = performance.now();
    this.ages.push(timecodeAge(code));
    if (this.ages.length > WINDOW) this.ages.shift();
  }
}
