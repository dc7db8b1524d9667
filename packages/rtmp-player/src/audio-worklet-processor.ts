/**
 * The audio output: an AudioWorkletProcessor that plays decoded PCM the
 * player worker sends over a MessagePort, and reports the audio clock (the
 * media time at its read head) back to the worker, which presents video
 * against it.
 *
 * The processor is written as one self-contained function, loaded into the
 * worklet as a Blob URL built from its source text
 * ({@link audioWorkletModuleUrl}). That works the same from the test
 * runner's dev server (TypeScript through esbuild) and from the built
 * dist/rtmp.js (no separate worklet file to find, no bundler support for
 * worklets needed). So the function must not reference anything outside
 * itself but the AudioWorkletGlobalScope.
 *
 * It resamples (linear interpolation) from the stream's rate to the
 * context's, and at the playback rate the latency controller asks for; the
 * queue is bounded (oldest audio dropped past {@link MAX_QUEUE_MS}). A skip
 * forward crossfades from the old position into the new one, and a hold
 * fades out, stays silent with the read head still, and fades back in, so
 * neither clicks. The read head follows the stream's timestamps: a hole in
 * the timeline (a sender that skipped audio) plays as silence and an overlap
 * is skipped, so the clock never drifts behind the stream.
 */
import type { WorkletCommand, WorkletEvent } from './worker-protocol.ts';

/** The name the processor is registered under. */
export const AUDIO_PROCESSOR_NAME = 'rtmp-player-audio';

/** Audio queued in the worklet past this is dropped, oldest first. */
export const MAX_QUEUE_MS = 8000;
/** Crossfade and fade length, output frames (~5 ms at 48 kHz). */
export const FADE_FRAMES = 256;

// AudioWorkletGlobalScope names, for the type checker only.
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new (options?: unknown) => AudioWorkletProcessor): void;
declare const sampleRate: number;

/** The worklet module's body. See the file comment: self-contained. */
function workletMain(processorName: string, maxQueueMs: number, fadeFrames: number): void {
  /** Timestamp mismatches between consecutive chunks under this are jitter, not holes, ms. */
  const GAP_TOLERANCE_MS = 5;
  /** A hole is filled with at most this much silence, s (a longer one is a new timeline, handled by the worker). */
  const MAX_GAP_S = 1;

  interface Chunk {
    ptsMs: number;
    rate: number;
    channels: Float32Array[];
  }

  class RtmpPlayerAudio extends AudioWorkletProcessor {
    private port2: MessagePort | null = null;
    private queue: Chunk[] = [];
    private queuedFrames = 0; // in source frames, summed over chunks
    private queuedMs = 0;
    /** Fractional read position in queue[0]. */
    private pos = 0;
    private rate = 1;
    private volume = 1;
    private prebufferMs = 100;
    private playing = false;
    private underruns = 0;
    private lastPts = NaN;
    private epoch = 0;
    private quanta = 0;
    /** What was about to play when a skip or hold cut it, faded out over the next output frames. */
    private readonly tail: Float32Array[] = [new Float32Array(fadeFrames), new Float32Array(fadeFrames)];
    private tailLeft = 0;
    private fadeInLeft = 0;
    private holdFrames = 0;
    /** Silence still to play for a hole in the stream's timeline, output frames. */
    private gapFrames = 0;

    constructor() {
      super();
      // The element hands us the worker's port once.
      this.port.onmessage = (e: MessageEvent) => {
        const port = (e.data as { port?: MessagePort }).port;
        if (port !== undefined) {
          this.port2 = port;
          port.onmessage = (m: MessageEvent) => this.command(m.data as WorkletCommand);
        }
      };
    }

    private command(c: WorkletCommand): void {
      switch (c.type) {
        case 'pcm': {
          const ch0 = c.channels[0];
          if (ch0 === undefined || ch0.length === 0) return;
          this.queue.push({ ptsMs: c.ptsMs, rate: c.sampleRate, channels: c.channels });
          this.queuedMs += (ch0.length / c.sampleRate) * 1000;
          // Bounded: a stalled output (or a flood) never grows memory.
          while (this.queuedMs > maxQueueMs && this.queue.length > 1) this.dropHead();
          break;
        }
        case 'flush':
          this.epoch = c.epoch;
          this.gapFrames = 0;
          this.queue = [];
          this.queuedMs = 0;
          this.pos = 0;
          this.playing = false;
          this.underruns = 0;
          this.lastPts = NaN;
          break;
        case 'rate':
          this.rate = c.rate;
          break;
        case 'skip-to':
          this.gapFrames = 0;
          if (this.playing) this.cutTail();
          while (this.queue.length > 1 && this.chunkEnd(this.queue[0]!) <= c.ptsMs) this.dropHead();
          {
            const head = this.queue[0];
            if (head !== undefined && head.ptsMs < c.ptsMs) {
              const skip = ((c.ptsMs - head.ptsMs) / 1000) * head.rate;
              if (skip > this.pos) this.pos = Math.min(skip, head.channels[0]!.length);
            }
          }
          break;
        case 'hold':
          if (this.playing) this.cutTail();
          this.holdFrames = Math.round((c.ms / 1000) * sampleRate);
          break;
        case 'prebuffer':
          this.prebufferMs = c.ms;
          break;
        case 'volume':
          this.volume = c.volume;
          break;
      }
    }

    /** Copies what would play next into the tail (to fade it out), from the read position, at the output rate. */
    private cutTail(): void {
      let chunk = 0;
      let pos = this.pos;
      for (let i = 0; i < fadeFrames; i++) {
        let head = this.queue[chunk];
        while (head !== undefined && pos >= head.channels[0]!.length) {
          pos -= head.channels[0]!.length;
          head = this.queue[++chunk];
        }
        for (let ch = 0; ch < 2; ch++) {
          const src = head?.channels[Math.min(ch, (head?.channels.length ?? 1) - 1)];
          this.tail[ch]![i] = src?.[Math.floor(pos)] ?? 0;
        }
        if (head !== undefined) pos += (head.rate / sampleRate) * this.rate;
      }
      this.tailLeft = fadeFrames;
      this.fadeInLeft = fadeFrames;
    }

    private chunkEnd(c: Chunk): number {
      return c.ptsMs + (c.channels[0]!.length / c.rate) * 1000;
    }

    private dropHead(): void {
      const c = this.queue.shift();
      if (c === undefined) return;
      this.queuedMs -= (c.channels[0]!.length / c.rate) * 1000;
      this.pos = 0;
    }

    private bufferedMs(): number {
      const head = this.queue[0];
      if (head === undefined) return 0;
      return Math.max(0, this.queuedMs - (this.pos / head.rate) * 1000);
    }

    process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
      const out = outputs[0];
      if (out === undefined || out.length === 0) return true;
      const frames = out[0]!.length;
      if (!this.playing && this.queue.length > 0 && this.bufferedMs() >= this.prebufferMs) this.playing = true;
      let i = 0;
      const holding = this.holdFrames > 0;
      if (holding) {
        // Standing still: silence, the read head (and so the clock) held.
        this.holdFrames = Math.max(0, this.holdFrames - frames);
        this.fadeInLeft = fadeFrames;
      } else if (this.playing) {
        while (i < frames) {
          const head = this.queue[0];
          if (head === undefined) {
            // Ran dry: silence, and gather the prebuffer again before resuming.
            this.playing = false;
            this.underruns++;
            break;
          }
          if (this.gapFrames > 0) {
            // A hole in the stream's timeline (the sender skipped audio):
            // silence for as long, so the read head, which is the clock,
            // stays on the stream's time instead of falling behind it.
            const take = Math.min(frames - i, Math.ceil(this.gapFrames));
            for (let k = 0; k < take; k++, i++) for (let ch = 0; ch < out.length; ch++) out[ch]![i] = 0;
            this.gapFrames -= take;
            this.lastPts = head.ptsMs - (this.gapFrames / sampleRate) * 1000 * this.rate;
            continue;
          }
          const src = head.channels;
          const next = this.queue[1]?.channels;
          const n = src[0]!.length;
          const step = (head.rate / sampleRate) * this.rate;
          while (i < frames && this.pos < n) {
            const k = Math.floor(this.pos);
            const f = this.pos - k;
            for (let ch = 0; ch < out.length; ch++) {
              const c = Math.min(ch, src.length - 1);
              const s = src[c]!;
              const a = s[k]!;
              // The last sample interpolates towards the next chunk's first.
              const b = k + 1 < n ? s[k + 1]! : (next?.[Math.min(c, next.length - 1)]?.[0] ?? a);
              out[ch]![i] = (a + (b - a) * f) * this.volume;
            }
            i++;
            this.pos += step;
          }
          this.lastPts = head.ptsMs + (this.pos / head.rate) * 1000;
          if (this.pos >= n) {
            const over = this.pos - n;
            const end = this.chunkEnd(head);
            this.dropHead();
            this.pos = over;
            // The next chunk's timestamp, against where this one ended: a gap is
            // played as silence, an overlap is skipped (both past a little jitter).
            const following = this.queue[0];
            if (following !== undefined) {
              const gapMs = following.ptsMs - end;
              if (gapMs > GAP_TOLERANCE_MS) {
                this.cutTail();
                this.fadeInLeft = fadeFrames;
                this.gapFrames = Math.min((gapMs / 1000) * sampleRate, sampleRate * MAX_GAP_S) / this.rate;
              } else if (gapMs < -GAP_TOLERANCE_MS) {
                this.pos = Math.min(following.channels[0]!.length, this.pos + ((-gapMs / 1000) * following.rate));
              }
            }
          }
        }
      }
      for (; i < frames; i++) for (let ch = 0; ch < out.length; ch++) out[ch]![i] = 0;
      // Fades: the new audio in, the cut tail out (a crossfade after a skip).
      if (!holding && this.fadeInLeft > 0) {
        const n = Math.min(frames, this.fadeInLeft);
        for (let k = 0; k < n; k++) {
          const g = 1 - (this.fadeInLeft - k) / fadeFrames;
          for (let ch = 0; ch < out.length; ch++) out[ch]![k]! *= g;
        }
        this.fadeInLeft -= n;
      }
      if (this.tailLeft > 0) {
        const n = Math.min(frames, this.tailLeft);
        const from = fadeFrames - this.tailLeft;
        for (let k = 0; k < n; k++) {
          const g = (this.tailLeft - k) / fadeFrames;
          for (let ch = 0; ch < out.length; ch++) out[ch]![k]! += this.tail[Math.min(ch, 1)]![from + k]! * g * this.volume;
        }
        this.tailLeft -= n;
      }
      // Report the clock every 4 quanta (~10 ms): cheap, and smooth enough for video.
      if (this.port2 !== null && (this.quanta++ & 3) === 0) {
        const ev: WorkletEvent = {
          type: 'clock',
          ptsMs: this.lastPts,
          playing: this.playing && !holding,
          bufferedMs: this.bufferedMs(),
          underruns: this.underruns,
          epoch: this.epoch,
        };
        this.port2.postMessage(ev);
      }
      return true;
    }
  }

  registerProcessor(processorName, RtmpPlayerAudio);
}

let moduleUrl: string | undefined;

/**
 * A Blob URL of the worklet module, made once per page. Pass it to
 * `audioContext.audioWorklet.addModule()`.
 */
export function audioWorkletModuleUrl(): string {
  moduleUrl ??= URL.createObjectURL(
    new Blob([`(${workletMain.toString()})(${JSON.stringify(AUDIO_PROCESSOR_NAME)}, ${MAX_QUEUE_MS}, ${FADE_FRAMES});`], {
      type: 'text/javascript',
    }),
  );
  return moduleUrl;
}
