/**
 * An MP4 file as the publisher's media input: its H.264 and AAC samples as
 * they are (no re-encoding), paced in real time by {@link Mp4Pacer} once the
 * server accepted the publish, looped or not.
 *
 * mp4box is most of the worker's size and only files need it, so the
 * demuxer is imported when a file is published.
 */
import type { MuxAudioFrame, MuxVideoFrame } from './flv-muxer.ts';
import type { Mp4Media, Mp4Sample } from './mp4-source.ts';
import { Mp4Pacer } from './mp4-pacer.ts';
import type { PublisherMeter } from './publisher-stats.ts';

/** Longest sleep between two looks at the pacer, ms. */
const MAX_SLEEP_MS = 50;
/** After the last sample, the session ends this much later (as FFmpeg does at the end of its input), ms. */
const END_DELAY_MS = 500;

/** Where {@link FileInput} delivers. */
export interface FileSink {
  video(f: MuxVideoFrame): void;
  audio(f: MuxAudioFrame): void;
  /** The whole file went out (not looping). */
  ended(): void;
  /** Runs a timer callback: the session times it and funnels what it throws. */
  guard(f: () => void): void;
}

/** See the file comment. */
export class FileInput {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  private constructor(
    /** The demuxed file: its tracks, configurations and samples. */
    readonly media: Mp4Media,
    private readonly loop: boolean,
    private readonly sink: FileSink,
    private readonly meter: PublisherMeter,
  ) {}

  /** Demuxes `data`; rejects when it is not an MP4 the publisher can send. */
  static async open(data: ArrayBuffer, loop: boolean, sink: FileSink, meter: PublisherMeter): Promise<FileInput> {
    const { demuxMp4 } = await import('./mp4-source.ts');
    return new FileInput(await demuxMp4(data), loop, sink, meter);
  }

  /** The file's average bitrate, bps (the congestion controller's ceiling). */
  get bitrate(): number {
    const m = this.media;
    if (m.durationUs <= 0) return 0;
    let bytes = 0;
    for (const s of m.samples) bytes += s.data.length;
    return (bytes * 8) / (m.durationUs / 1e6);
  }

  /** Starts pacing the samples out (once; again after a reconnect does nothing: the pacer runs on). */
  start(): void {
    if (this.closed || this.timer !== undefined) return;
    const m = this.media;
    const pacer = new Mp4Pacer<Mp4Sample>(m.samples, m.durationUs, this.loop);
    const t0 = performance.now();
    const step = (): void => {
      this.timer = undefined;
      if (this.closed) return;
      const elapsedUs = (performance.now() - t0) * 1000;
      this.sink.guard(() => {
        for (const d of pacer.due(elapsedUs)) {
          const s = d.sample;
          if (s.kind === 'video') {
            this.meter.framesEncoded++;
            this.sink.video({ data: s.data, keyframe: s.keyframe, dtsUs: d.offsetUs, ptsUs: d.offsetUs + (s.ptsUs - s.dtsUs) });
          } else {
            this.sink.audio({ data: s.data, ptsUs: d.offsetUs });
          }
        }
      });
      if (pacer.done) {
        this.timer = setTimeout(() => this.closed || this.sink.ended(), END_DELAY_MS);
        return;
      }
      this.timer = setTimeout(step, Math.max(1, Math.min(MAX_SLEEP_MS, pacer.nextDueInUs((performance.now() - t0) * 1000) / 1000)));
    };
    step();
  }

  /** Stops pacing. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
