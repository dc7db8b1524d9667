/**
 * `<rtmp-publisher>`: go live from a web page to any RTMP ingest with the
 * browser's own encoders. Capture, encoding and the whole RTMP stack run in a
 * worker, which {@link PublisherController} drives; the element holds
 * settings, sources, events and the optional controls.
 */
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { PublisherController, PublisherStartError, type PublisherSource } from './publisher-controller.ts';
import { RtmpErrorCode } from '@rtmp-web/core';
import {
  PUBLISHER_AUDIO_CODECS,
  PUBLISHER_VIDEO_CODECS,
  type PublisherAudioCodec,
  type PublisherEvent,
  type PublisherState,
  type PublisherStats,
  type PublisherVideoCodec,
} from './worker-protocol.ts';
import { parseRenditions } from './rendition-settings.ts';
import { PublisherErrorCode } from './publisher-errors.ts';

/** Detail of the `statechange` event. */
export interface PublisherStateChangeDetail {
  state: PublisherState;
}

/** Detail of the `status` event: an onStatus as the server sent it. */
export interface PublisherStatusDetail {
  /** e.g. `NetStream.Publish.Start`. */
  code: string;
  level: string;
  description: string;
}

/** Detail of the `error` event. */
export interface PublisherErrorDetail {
  /** A stable code: an RtmpErrorCode (`PUBLISH_REFUSED`, `TRANSPORT_CLOSED`, `TIMEOUT`, `CONNECT_REJECTED`…) or a {@link PublisherErrorCode} (`CAPTURE_ERROR`, `MEDIA_ERROR`, `ENCODER_ERROR`, `WORKER_ERROR`, `INTERNAL_ERROR`, `BRIDGE_UNAVAILABLE`; not fatal: `AUDIO_SKIPPED`). */
  code: string;
  /** Human-readable; never contains the stream key. */
  message: string;
  /** True when publishing stopped; false for a dropped connection that is being retried, or audio skipped (`AUDIO_SKIPPED`). */
  fatal: boolean;
  /** The server's status code, when a status caused it (e.g. `NetStream.Publish.BadName`): the player's detail has the same field. */
  serverCode?: string;
  /** The same as `serverCode` (its first name, kept so pages that read it go on working). */
  status?: string;
}

/** Options for {@link RtmpPublisher.start} with a file. */
export interface PublishFileOptions {
  /** Start over at the end of the file. Default false. */
  loop?: boolean;
}

const EMPTY_STATS: PublisherStats = {
  state: 'idle',
  bytesSent: 0,
  bitrateKbps: 0,
  fps: 0,
  framesEncoded: 0,
  framesDropped: 0,
  queueMs: 0,
  videoCodec: '',
  audioCodec: '',
  reconnects: 0,
  audioLatencyMs: 0,
  audioSkippedMs: 0,
};

/**
 * Publishes a camera and microphone, a MediaStream, or an MP4 file to an
 * RTMP server through rtmp-bridge.
 *
 * @fires statechange - `{ state }`: idle, connecting, publishing, reconnecting, stopped, error
 * @fires status - `{ code, level, description }`: every onStatus from the server
 * @fires error - `{ code, message, fatal, status? }`; it does not bubble (listen on the element)
 * @csspart preview - the preview `<video>` (with `controls`)
 * @csspart go-live - the Go live / Stop button
 * @csspart live-indicator - elapsed time and bitrate while live
 */
@customElement('rtmp-publisher')
export class RtmpPublisher extends LitElement {
  static override styles = css`
    :host { display: block; font: 14px system-ui, sans-serif; }
    :host([hidden]) { display: none; }
    .wrap { display: grid; gap: 8px; max-width: 720px; }
    video { width: 100%; background: #111; aspect-ratio: 16 / 9; }
    .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
    label { display: flex; gap: 4px; align-items: center; }
    input[type='number'] { width: 6em; }
    .live { color: #fff; background: #c00; padding: 2px 8px; border-radius: 4px; }
    .error { color: #c00; }
  `;

  /** rtmp:// or rtmps:// server URL with the app, e.g. `rtmp://live.example.com/app`. */
  @property() url = '';
  /** The stream key. Kept out of logs, error messages and the page URL. */
  @property({ attribute: 'stream-key' }) streamKey = '';
  /** The bridge's ws:// or wss:// URL. */
  @property() bridge = '';
  /** `avc` (default), or Enhanced RTMP `hevc` / `av1` / `vp9` (where the browser encodes it: `start()` fails with CODEC_UNSUPPORTED otherwise). */
  @property({ attribute: 'video-codec' }) videoCodec: PublisherVideoCodec = 'avc';
  /** Video bitrate, kbps; the ceiling congestion control recovers to. */
  @property({ attribute: 'video-bitrate', type: Number }) videoBitrate = 2500;
  @property({ type: Number }) width = 1280;
  @property({ type: Number }) height = 720;
  @property({ type: Number }) framerate = 30;
  /** Seconds between keyframes. */
  @property({ attribute: 'keyframe-interval', type: Number }) keyframeInterval = 2;
  /** `aac` (default; WASM where the browser has no AAC encoder) or `opus` (Enhanced RTMP). Any other value: `start()` fails with CODEC_UNSUPPORTED. */
  @property({ attribute: 'audio-codec' }) audioCodec: PublisherAudioCodec = 'aac';
  /** Audio bitrate, kbps. */
  @property({ attribute: 'audio-bitrate', type: Number }) audioBitrate = 128;
  /**
   * Extra video renditions beside the main one, e.g. `640x360@800,320x180@300`
   * (width×height@kbps, at most 4): each is encoded apart and sent as
   * Enhanced RTMP multitrack video (tracks 1, 2…), so a server or a player
   * can pick a quality. Empty (the default): none.
   */
  @property() renditions = '';
  /** Show the preview, source pickers, settings and Go live button. */
  @property({ type: Boolean, reflect: true }) controls = false;

  @state() private currentState: PublisherState = 'idle';
  @state() private currentStats: PublisherStats = EMPTY_STATS;
  @state() private lastError = '';
  @state() private preview: MediaStream | null = null;
  @state() private devices: MediaDeviceInfo[] = [];
  @state() private liveSince = 0;
  @state() private nowTick = 0;

  private readonly worker = new PublisherController(this, (e) => this.onWorkerEvent(e));
  /** Tracks we opened (getUserMedia/getDisplayMedia), which we stop; a caller's stream is left alone. */
  private ownTracks: MediaStreamTrack[] = [];
  private clockTimer: ReturnType<typeof setInterval> | undefined;
  private pickedVideo = '';
  private pickedAudio = '';
  private screen: MediaStream | null = null;

  /** The publisher's state. */
  get state(): PublisherState {
    return this.currentState;
  }

  /** A snapshot of the publishing statistics (updated about once a second). */
  get stats(): PublisherStats {
    return { ...this.currentStats, state: this.currentState };
  }

  /**
   * Starts publishing.
   * - no argument: the camera and microphone (getUserMedia at `width`×`height`@`framerate`);
   * - a MediaStream (screen capture, a canvas stream…): its first video and audio tracks;
   * - a File or Blob holding an MP4 (H.264 + AAC): its samples as they are, paced in real time.
   *
   * Resolves when the server accepted the publish (NetStream.Publish.Start);
   * rejects when it failed before that (the `error` event fires too).
   */
  async start(source?: MediaStream | Blob, options: PublishFileOptions = {}): Promise<void> {
    if (this.currentState === 'connecting' || this.currentState === 'publishing' || this.currentState === 'reconnecting') {
      throw new Error('already publishing: call stop() first');
    }
    if (!this.url) throw new TypeError('rtmp-publisher: the url attribute is required');
    if (!this.bridge) throw new TypeError('rtmp-publisher: the bridge attribute is required');
    this.lastError = '';
    if (!(PUBLISHER_VIDEO_CODECS as readonly string[]).includes(this.videoCodec)) {
      throw this.refuse(RtmpErrorCode.CodecUnsupported, `video-codec="${this.videoCodec}" is not one of ${PUBLISHER_VIDEO_CODECS.join(', ')}`);
    }
    if (!(PUBLISHER_AUDIO_CODECS as readonly string[]).includes(this.audioCodec)) {
      throw this.refuse(RtmpErrorCode.CodecUnsupported, `audio-codec="${this.audioCodec}" is not one of ${PUBLISHER_AUDIO_CODECS.join(', ')}`);
    }
    const renditions = parseRenditions(this.renditions);
    if (typeof renditions === 'string') throw this.refuse(PublisherErrorCode.SettingInvalid, `renditions="${this.renditions}": ${renditions}`);
    let media: PublisherSource;
    try {
      if (source instanceof Blob) {
        media = { kind: 'mp4', data: await source.arrayBuffer(), loop: options.loop === true };
        this.preview = null;
      } else {
        const stream = source ?? (await this.openCamera());
        this.preview = stream;
        media = { kind: 'stream', stream };
      }
    } catch (e) {
      // No camera, permission denied, an unreadable file: as clear as a server refusal.
      this.releaseSources();
      throw this.refuse(PublisherErrorCode.CaptureError, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
    const settings = {
      connect: { url: this.url, streamKey: this.streamKey, bridge: this.bridge },
      video: {
        codec: this.videoCodec,
        bitrateKbps: positive(this.videoBitrate, 2500),
        width: positive(this.width, 1280),
        height: positive(this.height, 720),
        framerate: positive(this.framerate, 30),
        keyframeIntervalS: positive(this.keyframeInterval, 2),
        renditions,
      },
      audio: { codec: this.audioCodec, bitrateKbps: positive(this.audioBitrate, 128) },
    };
    return this.worker.start(settings, media);
  }

  /** Stops publishing (FCUnpublish + deleteStream) and releases the camera and microphone it opened. */
  stop(): void {
    this.worker.stop();
    this.releaseSources();
    if (this.currentState !== 'idle' && this.currentState !== 'error') this.setState('stopped');
  }

  /** Leaving the document stops publishing; the controller then ends the worker. */
  override disconnectedCallback(): void {
    this.stop();
    super.disconnectedCallback();
    clearInterval(this.clockTimer);
  }

  /** A start() that cannot begin: the fatal error event, the `error` state, and the error start() rejects with. */
  private refuse(code: string, message: string): PublisherStartError {
    this.onWorkerEvent({ type: 'error', code, message, fatal: true });
    this.setState('error');
    return new PublisherStartError(code, message);
  }

  // ---- worker events -------------------------------------------------------

  private onWorkerEvent(e: PublisherEvent): void {
    switch (e.type) {
      case 'state':
        this.setState(e.state);
        if (e.state === 'error' || e.state === 'stopped') this.releaseSources();
        return;
      case 'status':
        this.fire('status', { code: e.code, level: e.level, description: e.description } satisfies PublisherStatusDetail);
        return;
      case 'error': {
        const detail: PublisherErrorDetail = { code: e.code, message: e.message, fatal: e.fatal, ...(e.status ? { serverCode: e.status, status: e.status } : {}) };
        if (e.fatal) this.lastError = `${e.code}: ${e.message}`;
        this.fire('error', detail);
        return;
      }
      case 'stats':
        this.currentStats = e.stats;
        (this as unknown as { _diagnostics: unknown })._diagnostics = e.diagnostics;
        return;
    }
  }

  private setState(s: PublisherState): void {
    if (s === this.currentState) return;
    this.currentState = s;
    if (s === 'publishing' && this.liveSince === 0) this.liveSince = performance.now();
    if (s !== 'publishing' && s !== 'reconnecting') this.liveSince = 0;
    this.fire('statechange', { state: s } satisfies PublisherStateChangeDetail);
  }

  /** `error` stays on the element, as HTMLMediaElement's does (a bubbling one reaches window.onerror, which takes it for an uncaught exception); the others bubble out of shadow roots. */
  private fire(type: string, detail: unknown): void {
    const travels = type !== 'error';
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: travels, composed: travels }));
  }

  // ---- sources -------------------------------------------------------------

  private async openCamera(): Promise<MediaStream> {
    const video: MediaTrackConstraints = {
      width: { ideal: this.width },
      height: { ideal: this.height },
      frameRate: { ideal: this.framerate },
      ...(this.pickedVideo ? { deviceId: { exact: this.pickedVideo } } : {}),
    };
    const audio: MediaTrackConstraints | boolean = this.pickedAudio ? { deviceId: { exact: this.pickedAudio } } : true;
    const stream = this.screen ?? (await navigator.mediaDevices.getUserMedia({ video, audio }));
    if (this.screen === null) this.ownTracks.push(...stream.getTracks());
    return stream;
  }

  private releaseSources(): void {
    for (const t of this.ownTracks) t.stop();
    this.ownTracks = [];
    this.screen = null;
    this.preview = null;
  }

  // ---- controls ------------------------------------------------------------

  override updated(changed: PropertyValues): void {
    if (changed.has('controls') && this.controls) void this.loadDevices();
    const v = this.renderRoot.querySelector('video');
    if (v !== null && v.srcObject !== this.preview) {
      v.srcObject = this.preview;
      if (this.preview !== null) void v.play().catch(() => {});
    }
    const live = this.currentState === 'publishing' || this.currentState === 'reconnecting';
    if (live && this.clockTimer === undefined) this.clockTimer = setInterval(() => (this.nowTick = performance.now()), 1000);
    if (!live && this.clockTimer !== undefined) {
      clearInterval(this.clockTimer);
      this.clockTimer = undefined;
    }
  }

  private async loadDevices(): Promise<void> {
    try {
      this.devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      this.devices = [];
    }
  }

  private async pickScreen(): Promise<void> {
    try {
      const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: this.framerate }, audio: true });
      this.ownTracks.push(...s.getTracks());
      this.screen = s;
      this.preview = s;
    } catch (e) {
      this.lastError = `screen capture: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private onGoLive(): void {
    const live = this.currentState === 'connecting' || this.currentState === 'publishing' || this.currentState === 'reconnecting';
    if (live) {
      this.stop();
      return;
    }
    this.start(this.screen ?? undefined).catch(() => {
      /* reported through the error event and lastError */
    });
  }

  override render() {
    if (!this.controls) return nothing;
    const live = this.currentState === 'connecting' || this.currentState === 'publishing' || this.currentState === 'reconnecting';
    const cams = this.devices.filter((d) => d.kind === 'videoinput');
    const mics = this.devices.filter((d) => d.kind === 'audioinput');
    const elapsed = this.liveSince > 0 ? Math.max(0, Math.floor(((this.nowTick || performance.now()) - this.liveSince) / 1000)) : 0;
    const num = (e: Event) => Number((e.target as HTMLInputElement).value);
    return html`<div class="wrap">
      <video part="preview" muted playsinline></video>
      <div class="row">
        <label>Camera <select ?disabled=${live} @change=${(e: Event) => (this.pickedVideo = (e.target as HTMLSelectElement).value)}>
          <option value="">default</option>
          ${cams.map((d, i) => html`<option value=${d.deviceId}>${d.label || `camera ${i + 1}`}</option>`)}
        </select></label>
        <label>Microphone <select ?disabled=${live} @change=${(e: Event) => (this.pickedAudio = (e.target as HTMLSelectElement).value)}>
          <option value="">default</option>
          ${mics.map((d, i) => html`<option value=${d.deviceId}>${d.label || `microphone ${i + 1}`}</option>`)}
        </select></label>
        <button ?disabled=${live} @click=${() => void this.pickScreen()}>Screen…</button>
      </div>
      <div class="row">
        <label>Server <input .value=${this.url} ?disabled=${live} placeholder="rtmp://host/app" @change=${(e: Event) => (this.url = (e.target as HTMLInputElement).value)} /></label>
        <label>Stream key <input type="password" autocomplete="off" .value=${this.streamKey} ?disabled=${live} @change=${(e: Event) => (this.streamKey = (e.target as HTMLInputElement).value)} /></label>
      </div>
      <div class="row">
        <label>Video kbps <input type="number" min="100" .value=${String(this.videoBitrate)} ?disabled=${live} @change=${(e: Event) => (this.videoBitrate = num(e))} /></label>
        <label>Size <input type="number" .value=${String(this.width)} ?disabled=${live} @change=${(e: Event) => (this.width = num(e))} />×<input type="number" .value=${String(this.height)} ?disabled=${live} @change=${(e: Event) => (this.height = num(e))} /></label>
        <label>fps <input type="number" .value=${String(this.framerate)} ?disabled=${live} @change=${(e: Event) => (this.framerate = num(e))} /></label>
        <label>Keyframe s <input type="number" .value=${String(this.keyframeInterval)} ?disabled=${live} @change=${(e: Event) => (this.keyframeInterval = num(e))} /></label>
        <label>Audio kbps <input type="number" .value=${String(this.audioBitrate)} ?disabled=${live} @change=${(e: Event) => (this.audioBitrate = num(e))} /></label>
      </div>
      <div class="row">
        <button part="go-live" @click=${() => this.onGoLive()}>${live ? 'Stop' : 'Go live'}</button>
        ${this.currentState === 'publishing' || this.currentState === 'reconnecting'
          ? html`<span part="live-indicator" class="live">● LIVE ${formatElapsed(elapsed)} · ${this.currentStats.bitrateKbps} kbps${this.currentState === 'reconnecting' ? ' · reconnecting' : ''}</span>`
          : html`<span>${this.currentState}</span>`}
        ${this.lastError ? html`<span class="error">${this.lastError}</span>` : nothing}
      </div>
    </div>`;
  }
}

function positive(v: number, fallback: number): number {
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function formatElapsed(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'rtmp-publisher': RtmpPublisher;
  }
}
