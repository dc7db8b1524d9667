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
 *
 * How the picture is read: the player draws into its canvas from its worker
 * (the canvas was transferred to an OffscreenCanvas), and reading that
 * canvas on the page (drawImage, createImageBitmap) makes the browser fetch
 * the worker's picture synchronously. Chromium does it at once. Firefox ESR
 * 153 blocked the page's main thread for 10 s (its timeout) on the first
 * read, and often on the next ones (measured: drawImage 10 000 ms, one to
 * four times in a row): nothing on the page ran, the publisher's fallback
 * capture on it included, so the publisher sent nothing and the player
 * stalled. Where that happens the meter asks the player for a
 * {@link GlassToGlassOptions.snapshot} instead (encoded in the worker, read
 * asynchronously), one at a time and at most every
 * {@link SNAPSHOT_EVERY_MS}, each picture's age taken when it was asked for:
 * coarser (a picture can be first seen up to 100 ms, or one snapshot, late)
 * but the page never waits.
 */
import { DisplayedTimecodeReader, timecodeAge } from './frame-timecode.ts';

/** Options for {@link GlassToGlassMeter}. */
export interface GlassToGlassOptions {
  /**
   * Reads the picture through this (`<rtmp-player>`'s `snapshot()`) instead
   * of the canvas itself: for browsers whose read of a worker's canvas blocks
   * the page (see the file comment). The canvas is then only asked whether
   * there is a picture.
   */
  snapshot?: () => Promise<Blob>;
}

/** Pictures the reported median covers: about a second of video. */
const WINDOW = 30;
/** With no new code for this long (ms), there is no reading: another source, a stall, a pause. */
const STALE_MS = 2000;
/** On the snapshot path, at most one snapshot this often (ms): each is a whole picture encoded in the player's worker. */
const SNAPSHOT_EVERY_MS = 100;

/** Reads the timecode off a picture every animation frame; see the file comment. */
export class GlassToGlassMeter {
  private readonly reader = new DisplayedTimecodeReader();
  private readonly ages: number[] = [];
  private lastCode: number | null = null;
  private lastNewAt = -Infinity;
  private loop: object | null = null;
  /** A snapshot being read (the snapshot path reads one at a time), and when the last was asked for (Date.now()). */
  private reading = false;
  private lastAskedAt = -Infinity;

  /** @param picture the canvas showing the picture (for `<rtmp-player>`, the one in its shadow root), or null while there is none. */
  constructor(
    private readonly picture: () => HTMLCanvasElement | null | undefined,
    private readonly options: GlassToGlassOptions = {},
  ) {}

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
    const snapshot = this.options.snapshot;
    if (snapshot === undefined) {
      this.saw(this.reader.read(src, src.width, src.height)?.code ?? null, Date.now());
      return;
    }
    const askedAt = Date.now();
    if (this.reading || askedAt - this.lastAskedAt < SNAPSHOT_EVERY_MS || !(src.width > 0 && src.height > 0)) return;
    this.reading = true;
    this.lastAskedAt = askedAt;
    const loop = this.loop;
    void (async () => {
      let bitmap: ImageBitmap | undefined;
      try {
        bitmap = await createImageBitmap(await snapshot());
        if (this.loop === loop) this.saw(this.reader.read(bitmap, bitmap.width, bitmap.height)?.code ?? null, askedAt);
      } catch {
        // No picture yet, or the player stopped: the next animation frame asks again.
      } finally {
        bitmap?.close();
        this.reading = false;
      }
    })();
  }

  /** A code read off the picture as it was at `atMs` (Date.now()); null: none readable. */
  private saw(code: number | null, atMs: number): void {
    if (code === null || code === this.lastCode) return;
    this.lastCode = code;
    this.lastNewAt = performance.now();
    this.ages.push(timecodeAge(code, atMs));
    if (this.ages.length > WINDOW) this.ages.shift();
  }
}
