/**
 * `<rtmp-player>`: live RTMP playback in a Web Worker with WebCodecs.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { PlayerCommandError, PlayerController } from './player-controller.ts';
import { PlayerErrorCode } from './player-errors.ts';
import {
  emptyStats,
  type AudioCapture,
  type LatencySetting,
  type PlayerErrorInfo,
  type PlayerEvent,
  type PlayerState,
  type PlayerStats,
  type PlayerTracks,
} from './worker-protocol.ts';

/** Reads a track attribute: a track id (an integer ≥ 0), or null (the first track) for anything else. */
function parseTrackId(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : null;
}
const trackIdConverter = { fromAttribute: parseTrackId, toAttribute: (v: number | null) => (v === null ? null : String(v)) };

/** The default `latency`: adaptive. */
export const DEFAULT_LATENCY: LatencySetting = 'auto';

/** Reads a `latency` value: 'auto', or a number of ms ≥ 0; anything else is 'auto'. */
export function parseLatency(value: unknown): LatencySetting {
  if (value === 'auto' || value === null || value === undefined || value === '') return 'auto';
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : 'auto';
}

/** `statechange` detail. */
export interface RtmpPlayerStateDetail {
  state: PlayerState;
}

/** `status` detail: one onStatus from the server, as it came. */
export interface RtmpPlayerStatusDetail {
  code: string;
  level: string;
  description: string;
  streamId: number;
}

/** `error` detail. */
export type RtmpPlayerErrorDetail = PlayerErrorInfo;

/**
 * Plays a live RTMP stream (`src`, rtmp:// or rtmps://) through an
 * rtmp-bridge (`bridge`, ws:// or wss://). The whole RTMP stack and the
 * WebCodecs decoders run in one dedicated Web Worker that draws into an
 * OffscreenCanvas; audio plays through an AudioWorklet and is the clock.
 *
 * @fires statechange - `detail.state`: idle, connecting, buffering, playing, paused, reconnecting, stopped, error
 * @fires metadata - `detail`: the stream's onMetaData object
 * @fires trackschange - `detail`: `tracks` as it is now (a track appeared, its codec became known, or another one plays)
 * @fires status - every onStatus from the server: `detail.code` (e.g. NetStream.Play.Start, NetStream.Play.UnpublishNotify), `level`, `description`
 * @fires error - `detail.code`, `detail.message`, `detail.fatal`. Like
 *   HTMLMediaElement's, it does not bubble: listen on the element.
 *
 * @csspart video - the box the picture is fitted into
 * @csspart canvas - the canvas the worker draws on
 * @csspart controls - the control bar (with `controls`)
 * @csspart button - each control button
 * @csspart volume - the volume slider
 * @csspart stats - the stats overlay (with `controls`)
 *
 * @cssprop [--rtmp-player-background=#000] - behind the picture (letterbox)
 * @cssprop [--rtmp-player-aspect-ratio=16 / 9] - the box's aspect ratio when its height is not set
 * @cssprop [--rtmp-player-controls-background=rgba(0,0,0,.55)] - control bar background
 * @cssprop [--rtmp-player-controls-color=#fff] - control bar text and icons
 */
@customElement('rtmp-player')
export class RtmpPlayerElement extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
      overflow: hidden;
      aspect-ratio: var(--rtmp-player-aspect-ratio, 16 / 9);
      background: var(--rtmp-player-background, #000);
      color: var(--rtmp-player-controls-color, #fff);
      font: 12px/1.3 system-ui, sans-serif;
    }
    .video {
      position: absolute;
      inset: 0;
    }
    .video canvas {
      width: 100%;
      height: 100%;
      object-fit: contain;
      display: block;
    }
    .controls {
      position: absolute;
      left: 0;
      right: 0;
      bottom: 0;
      display: flex;
      gap: 6px;
      align-items: center;
      padding: 4px 8px;
      background: var(--rtmp-player-controls-background, rgba(0, 0, 0, 0.55));
    }
    .controls button {
      background: none;
      border: 0;
      color: inherit;
      font: inherit;
      cursor: pointer;
      padding: 2px 6px;
    }
    .controls .state {
      flex: 1;
      opacity: 0.8;
    }
    .stats {
      position: absolute;
      top: 6px;
      left: 6px;
      padding: 4px 6px;
      background: var(--rtmp-player-controls-background, rgba(0, 0, 0, 0.55));
      white-space: pre;
      font-family: ui-monospace, monospace;
      pointer-events: none;
    }
  `;

  /** rtmp:// or rtmps:// URL with the app and the stream name. */
  @property({ reflect: true }) src = '';
  /** ws:// or wss:// URL of the rtmp-bridge. */
  @property({ reflect: true }) bridge = '';
  /** Play as soon as `src` and `bridge` are set and the element is in the document. */
  @property({ type: Boolean, reflect: true }) autoplay = false;
  /** Mutes the audio (the audio clock still runs). */
  @property({ type: Boolean, reflect: true }) muted = false;
  /** Shows play/pause, mute, volume, fullscreen and a stats overlay. */
  @property({ type: Boolean, reflect: true }) controls = false;
  /**
   * The player's target delay (arrival → on screen, `stats.playerDelayMs`):
   * `auto` (the default) follows the measured arrival jitter plus a margin,
   * near the floor on a good link and higher on a jittery one; a number of
   * ms fixes it (`0`: as low as the stream allows). The player joins at the
   * target (a server's GOP-cache burst is decoded through, not shown) and
   * holds it in both directions: a little faster or slower within 2 s, a
   * jump forward or a short hold beyond that.
   */
  @property({ reflect: true, converter: { fromAttribute: (v: string | null) => parseLatency(v), toAttribute: (v: LatencySetting) => String(v) } })
  latency: LatencySetting = DEFAULT_LATENCY;
  /** Output volume, 0..1. */
  @property({ type: Number }) volume = 1;
  /**
   * The video track to play, by id (see `tracks`); null (the default): the
   * first one. For Enhanced RTMP multitrack streams (renditions); a change
   * takes effect at the new track's next keyframe.
   */
  @property({ attribute: 'video-track', reflect: true, converter: trackIdConverter }) videoTrack: number | null = null;
  /** The audio track to play, by id (a language, a commentary); null: the first. A change takes effect at its next frame. */
  @property({ attribute: 'audio-track', reflect: true, converter: trackIdConverter }) audioTrack: number | null = null;

  @state() private latest: PlayerStats = emptyStats();
  private trackList: PlayerTracks = { video: [], audio: [] };
  @state() private showStats = true;
  private readonly player = new PlayerController(
    this,
    () => this.renderRoot.querySelector('.video'),
    (e) => this.onWorkerEvent(e),
  );
  private playing = false;

  /** The current state. */
  get state(): PlayerState {
    return this.latest.state;
  }

  /** A snapshot of the playback statistics (a plain object). */
  get stats(): PlayerStats {
    return { ...this.latest };
  }

  /** The stream's tracks of each kind, `{ id, codec, enabled }` (a single-track stream: track 0); `trackschange` fires when they change. */
  get tracks(): PlayerTracks {
    return { video: this.trackList.video.map((t) => ({ ...t })), audio: this.trackList.audio.map((t) => ({ ...t })) };
  }

  /**
   * Starts (or resumes) playback of `src` through `bridge`. Resolves once the
   * worker has the command. When the worker cannot start at all (a blocked
   * or missing worker script, a browser without module workers) it rejects,
   * and the element also goes to `error` with a WORKER_ERROR `error` event,
   * so `autoplay`, which has no caller to reject to, is not silent.
   */
  async play(): Promise<void> {
    const calledAt = performance.timeOrigin + performance.now();
    this.playing = true;
    if (!this.muted) this.player.startAudio();
    try {
      await this.player.command({
        type: 'play',
        options: {
          src: this.src,
          bridge: this.bridge,
          latency: parseLatency(this.latency),
          noMediaTimeoutMs: 10_000,
          stallTimeoutMs: 10_000,
          calledAt,
          videoTrack: this.videoTrack,
          audioTrack: this.audioTrack,
        },
      });
    } catch (e) {
      // Removed from the page meanwhile (the controller was disposed): nothing to report.
      if (!(e instanceof PlayerCommandError && e.code === 'STOPPED')) this.startFailed(e);
      throw e;
    }
  }

  /** play() could not reach the worker: say so on the element and in the console. */
  private startFailed(e: unknown): void {
    const detail: RtmpPlayerErrorDetail = {
      code: e instanceof PlayerCommandError ? e.code : PlayerErrorCode.WorkerError,
      message: `the player could not start: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      fatal: true,
    };
    console.error(`<rtmp-player> ${detail.code}: ${detail.message}`);
    this.playing = false;
    this.latest = { ...this.latest, state: 'error' };
    this.fire<RtmpPlayerStateDetail>('statechange', { state: 'error' });
    this.fire<RtmpPlayerErrorDetail>('error', detail);
  }

  /** Pauses (live: playing again goes back to the live edge). */
  async pause(): Promise<void> {
    this.playing = false;
    await this.player.command({ type: 'pause' });
  }

  /** Stops and closes the connection. */
  async stop(): Promise<void> {
    this.playing = false;
    await this.player.command({ type: 'stop' });
  }

  /** The current frame as an image, like `canvas.toBlob` (`image/png` by default). */
  snapshot(type = 'image/png', quality?: number): Promise<Blob> {
    return this.player.command<Blob>(quality === undefined ? { type: 'snapshot', mimeType: type } : { type: 'snapshot', mimeType: type, quality });
  }

  /**
   * Diagnostics: the next `durationMs` of decoded audio (first channel, at
   * the stream's sample rate), tapped after the decoder.
   */
  captureAudio(durationMs: number): Promise<AudioCapture> {
    return this.player.command<AudioCapture>({ type: 'capture-audio', durationMs });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autoplay && this.src !== '' && this.bridge !== '') void this.play().catch(() => {});
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // The controller ends the worker and the audio; nothing plays any more.
    this.playing = false;
    if (this.latest.state !== 'idle') this.latest = emptyStats('stopped');
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('muted') || changed.has('volume')) {
      this.player.setVolume(this.volume, this.muted);
      if (!this.muted && this.playing) this.player.startAudio();
    }
    if (changed.has('latency') && changed.get('latency') !== undefined) this.player.notify({ type: 'set-latency', latency: parseLatency(this.latency) });
    if (changed.has('videoTrack') && changed.get('videoTrack') !== undefined) this.player.notify({ type: 'select-track', kind: 'video', id: this.videoTrack });
    if (changed.has('audioTrack') && changed.get('audioTrack') !== undefined) this.player.notify({ type: 'select-track', kind: 'audio', id: this.audioTrack });
    const sourceChanged = (changed.has('src') && changed.get('src') !== undefined) || (changed.has('bridge') && changed.get('bridge') !== undefined);
    if (sourceChanged && this.isConnected) {
      if (this.playing) void this.play().catch(() => {});
      else if (this.autoplay && this.src !== '' && this.bridge !== '') void this.play().catch(() => {});
    } else if (changed.has('autoplay') && this.autoplay && !this.playing && this.src !== '' && this.bridge !== '' && this.latest.state === 'idle') {
      void this.play().catch(() => {});
    }
  }

  protected override render() {
    const s = this.latest;
    return html`<div class="video" part="video"></div>
      ${this.controls
        ? html`${this.showStats
              ? html`<div class="stats" part="stats">${`${s.state}  ${s.width}×${s.height} ${s.videoCodec} ${s.audioCodec}
${s.fps} fps  ${s.bitrateKbps} kbit/s  shown ${s.framesShown} dropped ${s.framesDropped} skipped ${s.framesSkipped}
delay ${s.playerDelayMs} ms (target ${s.targetLatencyMs})  buffer ${s.bufferMs} ms  rate ${s.playbackRate}  reconnects ${s.reconnects}`}</div>`
              : nothing}
            <div class="controls" part="controls">
              <button part="button" aria-label=${this.playing ? 'Pause' : 'Play'} @click=${this.togglePlay}>${this.playing ? '❚❚' : '▶'}</button>
              <button part="button" aria-label=${this.muted ? 'Unmute' : 'Mute'} @click=${() => (this.muted = !this.muted)}>${this.muted ? '🔇' : '🔊'}</button>
              <input
                part="volume"
                type="range"
                min="0"
                max="1"
                step="0.05"
                aria-label="Volume"
                .value=${String(this.volume)}
                @input=${(e: Event) => (this.volume = Number((e.target as HTMLInputElement).value))}
              />
              <span class="state">${s.state}</span>
              <button part="button" aria-label="Statistics" @click=${() => (this.showStats = !this.showStats)}>ⓘ</button>
              <button part="button" aria-label="Fullscreen" @click=${this.toggleFullscreen}>⛶</button>
            </div>`
        : nothing}`;
  }

  private togglePlay = (): void => {
    void (this.playing ? this.pause() : this.play()).catch(() => {});
  };

  private toggleFullscreen = (): void => {
    if (document.fullscreenElement === this) void document.exitFullscreen().catch(() => {});
    else void this.requestFullscreen().catch(() => {});
  };

  /** `error` stays on the element, as HTMLMediaElement's does (a bubbling one reaches window.onerror, which takes it for an uncaught exception); the others bubble out of shadow roots. */
  private fire<T>(type: string, detail: T): void {
    const travels = type !== 'error';
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: travels, composed: travels }));
  }

  private onWorkerEvent(e: PlayerEvent): void {
    switch (e.type) {
      case 'state':
        this.latest = { ...this.latest, state: e.state };
        if (e.state === 'error' || e.state === 'stopped') this.playing = false;
        this.fire<RtmpPlayerStateDetail>('statechange', { state: e.state });
        break;
      case 'stats':
        this.latest = e.stats;
        break;
      case 'status':
        this.fire<RtmpPlayerStatusDetail>('status', e.status);
        break;
      case 'metadata':
        this.fire<Record<string, unknown>>('metadata', e.metadata);
        break;
      case 'tracks':
        this.trackList = e.tracks;
        this.fire<PlayerTracks>('trackschange', this.tracks);
        break;
      case 'error':
        if (e.error.fatal) this.playing = false;
        this.fire<RtmpPlayerErrorDetail>('error', e.error);
        break;
      case 'video-size':
        this.latest = { ...this.latest, width: e.width, height: e.height };
        break;
      case 'reply':
        break;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'rtmp-player': RtmpPlayerElement;
  }
}
