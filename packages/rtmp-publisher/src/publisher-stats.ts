/**
 * The publisher's books: what the session counts and times while it runs,
 * and the once-a-second `stats` and diagnostics built from them.
 *
 * Counters only grow; the latency samples and the busy time are per report
 * (each {@link PublisherMeter.report} starts a new second). Pure logic, no
 * WebCodecs: Node tests drive it with numbers.
 */
import type { PublisherDiagnostics, PublisherState, PublisherStats } from './worker-protocol.ts';

/** Samples kept per latency and second, at most. */
const MAX_SAMPLES = 1000;
/** Video tags in flight (sent, not yet drained) followed for the send latency, at most. */
const MAX_IN_FLIGHT = 600;

/** What the session knows only when it reports: the state, the link's counters, the encoders' settings. */
export interface MeterReading {
  state: PublisherState;
  /** Bytes handed to the link, and of those still in its buffer. */
  bytesSent: number;
  bufferedAmount: number;
  /** Bytes in the muxer's own queue. */
  muxerQueuedBytes: number;
  /** Frames the muxer dropped (congestion, waiting for a keyframe). */
  muxerDropped: number;
  queueMs: number;
  /** The encoder's target, bps. */
  targetBps: number;
  videoCodec: string;
  audioCodec: string;
  reconnects: number;
  audioSkippedMs: number;
}

/** See the file comment. */
export class PublisherMeter {
  /** Video frames out of the encoder (or the file). */
  framesEncoded = 0;
  /** Video frames dropped before the muxer (the encoder backed up, the link refused them). */
  framesDropped = 0;
  private videoTagsSent = 0;
  private lastAt: number;
  private lastBytes = 0;
  private lastTags = 0;
  private busyMs = 0;
  private readonly inFlight: { end: number; at: number }[] = [];
  private readonly sendLatencies: number[] = [];
  private readonly encodeLatencies: number[] = [];
  private readonly audioLatencies: number[] = [];

  constructor(now: number) {
    this.lastAt = now;
  }

  /** Time since the last report, ms. */
  sinceReport(now: number): number {
    return now - this.lastAt;
  }

  /** Time spent running the session's code, ms. */
  busy(ms: number): void {
    this.busyMs += ms;
  }

  /** A video frame went from capture to encoded in `ms`. */
  encodeLatency(ms: number): void {
    push(this.encodeLatencies, ms);
  }

  /** An audio packet's first sample went from capture to encoded in `ms`. */
  audioLatency(ms: number): void {
    push(this.audioLatencies, ms);
  }

  /** A video tag went to the link; its last byte is byte `end` of the link; it reached the muxer at `queuedAt`. */
  videoSent(end: number, queuedAt: number): void {
    this.videoTagsSent++;
    if (this.inFlight.length < MAX_IN_FLIGHT) this.inFlight.push({ end, at: queuedAt });
  }

  /** The link has drained up to byte `drained`: the tags wholly before it are sent. */
  drained(drained: number, now: number): void {
    while (this.inFlight.length > 0 && this.inFlight[0]!.end <= drained) push(this.sendLatencies, now - this.inFlight.shift()!.at);
  }

  /** The stats and diagnostics for the second since the last report; starts the next second. */
  report(now: number, r: MeterReading): { stats: PublisherStats; diagnostics: PublisherDiagnostics } {
    const dt = Math.max(1, now - this.lastAt);
    const drained = r.bytesSent - r.bufferedAmount;
    const stats: PublisherStats = {
      state: r.state,
      bytesSent: drained,
      bitrateKbps: Math.round(((drained - this.lastBytes) * 8) / dt),
      fps: Math.round(((this.videoTagsSent - this.lastTags) * 1000) / dt),
      framesEncoded: this.framesEncoded,
      framesDropped: this.framesDropped + r.muxerDropped,
      queueMs: r.queueMs,
      videoCodec: r.videoCodec,
      audioCodec: r.audioCodec,
      reconnects: r.reconnects,
      audioLatencyMs: median(this.audioLatencies),
      audioSkippedMs: r.audioSkippedMs,
    };
    const diagnostics: PublisherDiagnostics = {
      targetKbps: Math.round(r.targetBps / 1000),
      workerBusyPercent: Math.round((this.busyMs / dt) * 1000) / 10,
      sendLatencyMs: median(this.sendLatencies),
      encodeLatencyMs: median(this.encodeLatencies),
      queuedBytes: r.bufferedAmount + r.muxerQueuedBytes,
    };
    this.sendLatencies.length = 0;
    this.encodeLatencies.length = 0;
    this.audioLatencies.length = 0;
    this.busyMs = 0;
    this.lastAt = now;
    this.lastBytes = drained;
    this.lastTags = this.videoTagsSent;
    return { stats, diagnostics };
  }
}

function push(a: number[], v: number): void {
  if (a.length < MAX_SAMPLES) a.push(v);
}

/** The median, to 0.1; 0 for no samples. */
function median(a: number[]): number {
  if (a.length === 0) return 0;
  const s = [...a].sort((x, y) => x - y);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
}
