/**
 * The audio stage in the worker: FLV audio tags → a WebCodecs AudioDecoder
 * (or, for the Flash-era codecs no browser decodes, Nellymoser and Speex,
 * one of the core's own decoders: software-audio-decoders.ts) → planar
 * float PCM, transferred to the audio worklet over its MessagePort. Both
 * kinds of decoder feed the same path (timestamps, join point, held audio,
 * captures, worklet messages), so A/V sync and latency control are the same.
 *
 * Audio is decoded as it arrives (it is small), with or without an output
 * (the page makes its audio output lazily, and not at all while muted, so
 * codec reports and captures work either way); the worklet's bounded queue
 * is the audio buffer, and its read head is the player's master clock.
 * Before playback starts, audio older than the join point is not sent
 * ({@link AudioPipeline.skipBefore}).
 * AAC and Opus configure from their sequence start; MP3, G.711 and PCM from
 * each frame's header or flags, so a change of rate or channels mid-stream
 * reconfigures; Nellymoser and Speex configure from their flags too. A
 * codec the browser cannot decode is reported once (CodecUnsupported, not
 * fatal) and the video goes on. A packet our own decoders refuse costs that
 * packet (AudioPacketInvalid, not fatal, reported once per codec).
 *
 * Timestamps are the stream's, not the decoder's: Chromium's AudioDecoder
 * stamps its output as "first input + samples so far", so a hole in the
 * stream's audio (a sender that skipped some) vanished from the timeline and
 * every later chunk played early: the audio clock fell behind the stream by
 * the holes (8% of the time with such a sender) and the delay grew without
 * bound. Each output takes the timestamp of the chunk it came from (one
 * AudioData per chunk, in order), and the worklet plays a hole as silence.
 */
import {
  RtmpError,
  RtmpErrorCode,
  audioDecoderConfigFromTag,
  parseAudioTag,
  type AudioDecoderConfigLike,
  type AudioTag,
  type AudioTrackResult,
  type PcmDecoder,
} from '@rtmp-web/core';
import { refusedTagError } from './player-errors.ts';
import { createSoftwareAudioDecoder, isSoftwareAudioCodec } from './software-audio-decoders.ts';
import type { AudioCapture, WorkletCommand } from './worker-protocol.ts';

/** Chunks waiting inside the decoder at most; past it audio is dropped (it cannot be late-played anyway). */
const MAX_DECODE_QUEUE = 64;
/**
 * Audio sent to the worklet since it last reported, at most, ms. A worklet
 * that does not report (its AudioContext suspended by an autoplay policy)
 * does not take messages off its port either: past this, PCM is dropped
 * instead of piling up in the port's queue.
 */
const MAX_UNACKNOWLEDGED_MS = 2000;
/** Decoded audio kept while the join point is not known yet, at most, ms (older is dropped). */
const MAX_HELD_MS = 5000;

/** What the pipeline tells the worker. */
export interface AudioPipelineHooks {
  /** A non-fatal problem for the audio track. */
  error(e: RtmpError): void;
  /** The codec string in use changed. */
  codec(codec: string): void;
}

interface PendingCapture {
  samples: Float32Array;
  filled: number;
  durationMs: number;
  sampleRate: number;
  resolve(c: AudioCapture): void;
}

/** See the file comment. */
export class AudioPipeline {
  /** When PCM was last sent to the worklet (performance.now), for the clock's "is there audio" test. */
  lastSentAt = -Infinity;
  private flushes = 0;
  /** The newest audio timestamp received, ms. */
  newestMs = NaN;
  private decoder: AudioDecoder | null = null;
  /** Our own decoder, for the codecs no browser decodes (then {@link decoder} is null). */
  private software: PcmDecoder | null = null;
  private current: AudioDecoderConfigLike | null = null;
  private pendingConfig: AudioDecoderConfigLike | null = null;
  private supported = new Map<string, boolean>();
  private reported = new Set<string>();
  /** The last tag was refused as CODEC_UNSUPPORTED by the parser. */
  private unparsable = false;
  /** The current configuration's codec is one this browser cannot decode. */
  private unsupportedCodec = false;
  private capture: PendingCapture | null = null;
  private epoch = 0;
  private unacknowledgedMs = 0;
  /** Audio ending before this is not sent; NaN: the join point is not known yet (decoded audio waits in {@link held}). */
  private skipBeforeMs = NaN;
  /** Decoded audio waiting for the join point (a GOP-cache burst carries seconds of old audio), bounded by {@link MAX_HELD_MS}. */
  /** Timestamps (ms) of the chunks inside the WebCodecs decoder, oldest first: what its outputs are stamped with. */
  private fedMs: number[] = [];
  private held: { ptsMs: number; ms: number; sampleRate: number; channels: Float32Array[] }[] = [];
  private heldMs = 0;
  private port: MessagePort | null = null;
  /** The duration of the last decoded chunk, ms (AAC: 1024 samples). */
  chunkMs = 0;

  constructor(private readonly hooks: AudioPipelineHooks) {}

  /**
   * True while the stream's audio cannot be played here: a codec this
   * browser cannot decode, or tags no parser takes (an unknown codec). Its
   * frames are then dropped unread, and the player plays the video alone.
   */
  get undecodable(): boolean {
    return this.unparsable || this.unsupportedCodec;
  }

  /** True once an audio output is attached. */
  get hasOutput(): boolean {
    return this.port !== null;
  }

  /** Attaches the worklet's port (the output came up). */
  attach(port: MessagePort): void {
    this.port = port;
    this.unacknowledgedMs = 0;
  }

  /** Decoded audio ending before `ptsMs` is not sent to the worklet (joining at the live edge). */
  skipBefore(ptsMs: number): void {
    this.skipBeforeMs = ptsMs;
    const held = this.held;
    this.held = [];
    this.heldMs = 0;
    for (const c of held) this.send(c.ptsMs, c.ms, c.sampleRate, c.channels);
  }

  /**
   * The worklet's epoch: counts the flushes sent. Its clock reports carry the
   * epoch it last took, so a report sent before a flush reached it (the old
   * stream's read head) is told apart from the new stream's.
   */
  get workletEpoch(): number {
    return this.flushes;
  }

  /** Tells the worklet to forget everything queued, in a new {@link workletEpoch}. */
  flushWorklet(): void {
    this.flushes++;
    this.post({ type: 'flush', epoch: this.flushes });
  }

  /** Sends a command to the worklet. */
  post(c: WorkletCommand, transfer: Transferable[] = []): void {
    this.port?.postMessage(c, transfer);
  }

  /** Takes one audio message (RTMP timestamp `ts`). The payload is read now, not kept. */
  push(payload: Uint8Array, ts: number): void {
    let tag: AudioTag;
    try {
      tag = parseAudioTag(payload);
    } catch (e) {
      this.refuse(e);
      return;
    }
    this.pushTag(tag, ts);
  }

  /** Takes one track's entry of a parsed message (the track that plays, see track-selector.ts). Its data is read now, not kept. */
  pushTrack(entry: AudioTrackResult, ts: number): void {
    if (entry.tag === undefined) this.refuse(entry.error);
    else this.pushTag(entry.tag, ts);
  }

  /** A tag the parser (or the configuration reader) refused: reported once; a codec it does not take makes the track undecodable. */
  private refuse(e: unknown): void {
    if (e instanceof RtmpError && e.code === RtmpErrorCode.CodecUnsupported) this.unparsable = true;
    const err = refusedTagError(e);
    this.reportOnce(err.code + err.message, err);
  }

  private pushTag(tag: AudioTag, messageTs: number): void {
    let config: AudioDecoderConfigLike | undefined;
    try {
      config = audioDecoderConfigFromTag(tag);
    } catch (e) {
      this.refuse(e);
      return;
    }
    // ModEx's nanosecond offset refines the message's millisecond timestamp.
    const ts = messageTs + ('timestampOffsetNs' in tag ? (tag.timestampOffsetNs ?? 0) / 1e6 : 0);
    this.unparsable = false;
    if (config !== undefined && !sameConfig(config, this.pendingConfig ?? this.current)) this.configure(config);
    if (tag.kind !== 'frame' || this.unsupportedCodec) return;
    this.newestMs = Number.isFinite(this.newestMs) ? Math.max(this.newestMs, ts) : ts;
    if (this.software !== null) return this.decodeSoftware(this.software, tag.data, ts);
    const d = this.decoder;
    if (d === null || d.state !== 'configured' || d.decodeQueueSize > MAX_DECODE_QUEUE) return;
    try {
      d.decode(new EncodedAudioChunk({ type: 'key', timestamp: Math.round(ts * 1000), data: tag.data.slice() }));
      this.fedMs.push(ts);
      if (this.fedMs.length > MAX_DECODE_QUEUE * 2) this.fedMs.shift();
    } catch (e) {
      this.reportOnce('decode', new RtmpError(RtmpErrorCode.FlvInvalid, `audio decode failed: ${String(e)}`, { fatal: false, cause: e }));
    }
  }

  /** The worklet reported (it is running): what was sent so far has reached it. */
  acknowledge(): void {
    this.unacknowledgedMs = 0;
  }

  /** Forgets queued audio here and in the worklet; keeps the decoder's configuration. */
  flush(): void {
    // A new decoder (and epoch) for the same configuration: what the old one
    // still outputs is dropped, and the stream need not resend its sequence
    // header (nginx-rtmp sends it only when play starts).
    const config = this.current;
    const had = this.decoder !== null || this.software !== null;
    this.closeDecoder();
    if (had && config !== null) this.open(config);
    this.newestMs = NaN;
    this.skipBeforeMs = NaN;
    this.held = [];
    this.heldMs = 0;
    this.flushWorklet();
  }

  /** Resolves with the next `durationMs` of decoded audio (channel 0). Diagnostics and tests. */
  captureAudio(durationMs: number): Promise<AudioCapture> {
    return new Promise((resolve, reject) => {
      this.capture?.resolve({ sampleRate: this.capture.sampleRate, samples: this.capture.samples.subarray(0, this.capture.filled) });
      const ms = Math.min(10_000, durationMs);
      // No decoded audio in time (no audio track, or it stopped): fail, do not hang.
      const timer = setTimeout(() => {
        if (this.capture !== cap) return;
        this.capture = null;
        reject(new RtmpError(RtmpErrorCode.Timeout, `no decoded audio within ${ms + 5000} ms`, { fatal: false }));
      }, ms + 5000);
      // Sized on the first chunk (its rate); bounded by the duration asked for (≤ 10 s).
      const cap: PendingCapture = {
        samples: new Float32Array(0),
        filled: 0,
        durationMs: ms,
        sampleRate: 0,
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      };
      this.capture = cap;
    });
  }

  /** Releases the decoder. */
  close(): void {
    this.closeDecoder();
    this.flushWorklet();
  }

  private reportOnce(key: string, e: RtmpError): void {
    if (this.reported.has(key)) return;
    if (this.reported.size > 32) this.reported.clear();
    this.reported.add(key);
    this.hooks.error(e);
  }

  private closeDecoder(): void {
    this.epoch++;
    this.fedMs = [];
    const d = this.decoder;
    this.decoder = null;
    this.software = null;
    if (d !== null && d.state !== 'closed') d.close();
  }

  /** Starts decoding `config`, known to be decodable: ours, or WebCodecs'. */
  private open(config: AudioDecoderConfigLike): void {
    if (isSoftwareAudioCodec(config.codec)) this.buildSoftware(config);
    else this.build(config);
  }

  private webCodecsConfig(c: AudioDecoderConfigLike): AudioDecoderConfig {
    const w: AudioDecoderConfig = { codec: c.codec, sampleRate: c.sampleRate, numberOfChannels: c.numberOfChannels };
    if (c.description !== undefined) w.description = c.description;
    return w;
  }

  private configure(config: AudioDecoderConfigLike): void {
    this.closeDecoder();
    this.current = null;
    this.pendingConfig = null;
    this.unsupportedCodec = false;
    if (isSoftwareAudioCodec(config.codec)) return this.buildSoftware(config);
    const known = this.supported.get(config.codec);
    if (known === false) return this.unsupported(config);
    if (known === true) return this.build(config);
    this.pendingConfig = config;
    void AudioDecoder.isConfigSupported(this.webCodecsConfig(config)).then(
      (r) => {
        this.supported.set(config.codec, r.supported === true);
        if (this.pendingConfig !== config) return; // superseded
        this.pendingConfig = null;
        if (r.supported === true) this.build(config);
        else this.unsupported(config);
      },
      () => {
        if (this.pendingConfig !== config) return;
        this.pendingConfig = null;
        this.supported.set(config.codec, false);
        this.unsupported(config);
      },
    );
  }

  private unsupported(config: AudioDecoderConfigLike): void {
    this.current = config;
    this.unsupportedCodec = true;
    this.newestMs = NaN;
    this.reportOnce(
      `unsupported ${config.codec}`,
      new RtmpError(RtmpErrorCode.CodecUnsupported, `this browser cannot decode audio ${config.codec}`, {
        fatal: false,
        details: { codec: config.codec },
      }),
    );
  }

  /** One of our own decoders (synchronous: {@link decodeSoftware} hands its PCM on as WebCodecs output would come). */
  private buildSoftware(config: AudioDecoderConfigLike): void {
    const decoder = createSoftwareAudioDecoder(config);
    if (decoder === null) return this.unsupported(config);
    this.current = config;
    this.software = decoder;
    this.hooks.codec(config.codec);
  }

  private decodeSoftware(decoder: PcmDecoder, data: Uint8Array, ts: number): void {
    let pcm: Float32Array;
    try {
      pcm = decoder.decode(data);
    } catch (e) {
      // A bad packet costs that packet; the decoder goes on with the next.
      const codec = this.current?.codec ?? 'audio';
      const err =
        e instanceof RtmpError
          ? e.fatal
            ? new RtmpError(e.code, e.message, { fatal: false, cause: e, details: e.details })
            : e
          : new RtmpError(RtmpErrorCode.AudioPacketInvalid, `${codec} decode failed: ${String(e)}`, { fatal: false, cause: e });
      this.reportOnce(`packet ${codec} ${err.code}`, err);
      return;
    }
    if (pcm.length === 0) return;
    // A copy: the decoder reuses its buffer, and this one is transferred (or held).
    this.deliver(ts, decoder.sampleRate, [pcm.slice()]);
  }

  private build(config: AudioDecoderConfigLike): void {
    this.current = config;
    this.hooks.codec(config.codec);
    const epoch = ++this.epoch;
    this.fedMs = [];
    const decoder = new AudioDecoder({
      output: (data) => this.output(data, epoch),
      error: (e) => {
        if (epoch !== this.epoch) return;
        this.decoder = null;
        this.reportOnce(`error ${e.message}`, new RtmpError(RtmpErrorCode.CodecUnsupported, `audio decoder failed: ${e.message}`, { fatal: false, cause: e }));
        // Rebuild (after a reclaim this is all it takes); the next frame decodes again.
        if (this.current !== null) this.build(this.current);
      },
    });
    try {
      decoder.configure(this.webCodecsConfig(config));
      this.decoder = decoder;
    } catch (e) {
      decoder.close();
      this.supported.set(config.codec, false);
      this.unsupported(config);
    }
  }

  private output(data: AudioData, epoch: number): void {
    try {
      if (epoch !== this.epoch) return;
      const n = data.numberOfFrames;
      const channels: Float32Array[] = [];
      for (let ch = 0; ch < data.numberOfChannels; ch++) {
        const plane = new Float32Array(n);
        data.copyTo(plane, { planeIndex: ch, format: 'f32-planar' });
        channels.push(plane);
      }
      // The stream's timestamp for it (see the file comment); the decoder's only if none is left.
      this.deliver(this.fedMs.shift() ?? data.timestamp / 1000, data.sampleRate, channels);
    } finally {
      data.close();
    }
  }

  /** Decoded audio from either kind of decoder: to the capture, then held until the join point or sent. */
  private deliver(ptsMs: number, sampleRate: number, channels: Float32Array[]): void {
    const n = channels[0]?.length ?? 0;
    const cap = this.capture;
    if (cap !== null && channels[0] !== undefined) this.fillCapture(cap, channels[0], sampleRate);
    const ms = (n / sampleRate) * 1000;
    this.chunkMs = ms;
    if (this.port === null) return; // no audio output: nothing to send to
    if (Number.isNaN(this.skipBeforeMs)) {
      // Not joined yet: keep it until the player says where playback starts.
      this.held.push({ ptsMs, ms, sampleRate, channels });
      this.heldMs += ms;
      while (this.heldMs > MAX_HELD_MS && this.held.length > 1) this.heldMs -= this.held.shift()!.ms;
      return;
    }
    this.send(ptsMs, ms, sampleRate, channels);
  }

  /** Sends decoded audio to the worklet, unless it ends before the join point or no output is running. */
  private send(ptsMs: number, ms: number, sampleRate: number, channels: Float32Array[]): void {
    if (this.unacknowledgedMs > MAX_UNACKNOWLEDGED_MS) return; // the output is not running (autoplay policy): drop
    if (ptsMs + ms <= this.skipBeforeMs) return; // before the join point
    this.post({ type: 'pcm', ptsMs, sampleRate, channels }, channels.map((c) => c.buffer));
    this.unacknowledgedMs += ms;
    this.lastSentAt = performance.now();
  }

  private fillCapture(cap: PendingCapture, ch0: Float32Array, rate: number): void {
    if (cap.samples.length === 0) {
      // Sized on the first chunk, at its rate.
      cap.samples = new Float32Array(Math.ceil((cap.durationMs / 1000) * rate));
      cap.sampleRate = rate;
    }
    const take = Math.min(ch0.length, cap.samples.length - cap.filled);
    cap.samples.set(ch0.subarray(0, take), cap.filled);
    cap.filled += take;
    if (cap.filled >= cap.samples.length) {
      this.capture = null;
      cap.resolve({ sampleRate: cap.sampleRate, samples: cap.samples });
    }
  }
}

function sameConfig(a: AudioDecoderConfigLike, b: AudioDecoderConfigLike | null): boolean {
  if (b === null) return false;
  if (a.codec !== b.codec || a.sampleRate !== b.sampleRate || a.numberOfChannels !== b.numberOfChannels) return false;
  const x = a.description;
  const y = b.description;
  if (x === undefined || y === undefined) return x === y;
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
