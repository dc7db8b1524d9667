/**
 * The glass-to-glass benchmark's page (built with Vite, driven from Node by
 * puppeteer-core through `window.benchPage`, see ../bench-protocol.ts).
 * One copy of it publishes the timecode canvas with `<rtmp-publisher>`;
 * another plays, one player at a time, and reads the code back from what
 * each player displays. Only the elements' public API is used.
 */
import { RtmpPlayerElement } from '@rtmp-web/player';
import { RtmpPublisher } from '@rtmp-web/publisher';
import mpegts from 'mpegts.js';
import type { PlayerElement, PublisherElement } from '../../../web/src/element-types.ts';
import {
  BENCH_VIDEO,
  type BenchPageApi,
  type DisplayMeasurement,
  type MeasureTiming,
  type MpegtsCellOptions,
  type PagePublisherOptions,
  type PlayerCounters,
  type RtmpPlayerCellOptions,
} from '../bench-protocol.ts';
import { DisplayProbe, type DisplaySource } from './display-probe.ts';
import { createTimecodePublisher, startTimecodeSource, type TimecodeSource } from './timecode-source.ts';

/**
 * mpegts.js at its most aggressive for live: no IO stash, no lazy loading,
 * latency chasing by seeking and by playback rate. It validates none of the
 * thresholds; these are the lowest at which it still showed (nearly) every
 * frame here, found by a sweep (docs/performance.md): below them, with
 * audio, it seeks again and again and shows as few as 1–14 frames a
 * second. Video only, it copes with lower ones. A catch-up rate of 2 (the
 * most it takes) cost frames with audio, so it stays at its default 1.2.
 */
export function mpegtsLowLatencyConfig(hasAudio: boolean): mpegts.Config {
  return {
    isLive: true,
    enableStashBuffer: false,
    lazyLoad: false,
    liveBufferLatencyChasing: true,
    liveBufferLatencyChasingOnPaused: true,
    liveBufferLatencyMaxLatency: hasAudio ? 0.6 : 0.3,
    liveBufferLatencyMinRemain: hasAudio ? 0.2 : 0.1,
    liveSync: true,
    liveSyncMaxLatency: hasAudio ? 0.4 : 0.2,
    liveSyncTargetLatency: hasAudio ? 0.2 : 0.1,
    liveSyncPlaybackRate: 1.2,
  };
}

// Named, and checked, so the bundler keeps the modules whose decorators
// register the elements (a bare side-effect import is tree-shaken away).
for (const [tag, element] of [['rtmp-player', RtmpPlayerElement], ['rtmp-publisher', RtmpPublisher]] as const) {
  if (customElements.get(tag) !== element) throw new Error(`<${tag}> is not registered`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `work`, or a rejection naming `what` after `ms`: a hung element fails the cell instead of the whole run hanging. */
function within<T>(ms: number, what: string, work: Promise<T> | T): Promise<T> {
  return Promise.race([Promise.resolve(work), sleep(ms).then(() => Promise.reject(new Error(`${what}: no answer after ${ms} ms`)))]);
}

let publisher: { element: PublisherElement; source: TimecodeSource } | null = null;

/** Numbers from a stats object, by name, where the element has them. */
function numberField(stats: object, name: string): number | undefined {
  const v = (stats as Record<string, unknown>)[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Runs one measured player: wait for its first readable frame, settle, measure the window. */
async function measure(
  timing: MeasureTiming,
  source: DisplaySource,
  createdAt: number,
  counters: { begin(): void; sample(): void; end(): PlayerCounters },
  errors: string[],
): Promise<DisplayMeasurement> {
  const probe = new DisplayProbe(source);
  probe.start();
  try {
    const first = await probe.tally.firstFrame(timing.firstFrameTimeoutMs);
    if (!first || timing.measureMs <= 0) return probe.tally.endWindow(createdAt, counters.end(), errors);
    await sleep(timing.settleMs);
    probe.tally.beginWindow();
    counters.begin();
    const end = performance.now() + timing.measureMs;
    while (performance.now() < end) {
      await sleep(250);
      counters.sample();
    }
    return probe.tally.endWindow(createdAt, counters.end(), errors);
  } finally {
    probe.stop();
  }
}

/** `stats.startup`'s numbers, where the element has them. */
function startupOf(stats: object): Record<string, number> | undefined {
  const v = (stats as { startup?: unknown }).startup;
  if (v === null || typeof v !== 'object') return undefined;
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

/** Keeps a player's error events as text. */
function errorText(detail: unknown): string {
  if (detail && typeof detail === 'object') {
    const d = detail as { code?: unknown; message?: unknown };
    return `${String(d.code ?? '')} ${String(d.message ?? '')}`.trim();
  }
  return String(detail);
}

const api: BenchPageApi = {
  async startPublisher(o: PagePublisherOptions) {
    if (publisher) throw new Error('a publisher is already running');
    const source = startTimecodeSource(o.audio);
    const element = createTimecodePublisher(o);
    document.body.append(element);
    publisher = { element, source };
    try {
      await within(20_000, '<rtmp-publisher>.start()', element.start(source.stream));
    } catch (e) {
      await api.stopPublisher();
      throw e;
    }
  },

  async stopPublisher() {
    if (!publisher) return;
    await within(5000, '<rtmp-publisher>.stop()', publisher.element.stop()).catch(() => undefined);
    publisher.element.remove();
    publisher.source.stop();
    publisher = null;
  },

  playerHasAutoLatency() {
    const el = document.createElement('rtmp-player') as PlayerElement & { latency?: unknown };
    return el.latency === 'auto';
  },

  async measureRtmpPlayer(o: RtmpPlayerCellOptions) {
    const errors: string[] = [];
    let createdAt = performance.now();
    const el = document.createElement('rtmp-player') as PlayerElement & { latency?: unknown };
    el.setAttribute('src', o.src);
    el.setAttribute('bridge', o.bridge);
    if (o.latency !== 'auto') el.setAttribute('latency', String(o.latency));
    el.addEventListener('error', (e) => {
      e.stopPropagation();
      errors.push(errorText((e as unknown as CustomEvent).detail));
    });
    document.body.append(el);
    const source: DisplaySource = () => {
      const canvas = el.shadowRoot?.querySelector('canvas');
      return canvas ? { image: canvas, width: canvas.width, height: canvas.height } : null;
    };
    // The player's own counters, as deltas over the window, and samples of its gauges.
    let start: object = {};
    const avSync: number[] = [];
    const target: number[] = [];
    const delay: number[] = [];
    const counters = {
      begin: () => (start = el.stats),
      sample: () => {
        const s = el.stats;
        const push = (to: number[], v: number | undefined) => v !== undefined && to.push(v);
        push(avSync, numberField(s, 'avSyncMs'));
        push(target, numberField(s, 'targetLatencyMs'));
        push(delay, numberField(s, 'playerDelayMs') ?? numberField(s, 'latencyMs'));
      },
      end: (): PlayerCounters => {
        const s = el.stats;
        const delta = (name: string) => {
          const a = numberField(start, name);
          const b = numberField(s, name);
          return a !== undefined && b !== undefined ? b - a : undefined;
        };
        return {
          framesShown: delta('framesShown'),
          framesDropped: delta('framesDropped'),
          framesSkipped: delta('framesSkipped'),
          framesSkippedTotal: numberField(s, 'framesSkipped'),
          catchUps: delta('catchUps'),
          reconnects: delta('reconnects'),
          avSyncMs: avSync,
          targetLatencyMs: target,
          playerDelayMs: delay,
          latencySetting: String(el.latency),
          startup: startupOf(s),
        };
      },
    };
    if (o.playAfterMs !== undefined) {
      // An element that sat in the page before its play (a click on play): timed from play().
      await sleep(o.playAfterMs);
      createdAt = performance.now();
    }
    // A play() that fails shows up as no first frame, with its reason kept.
    void Promise.resolve(el.play()).catch((e: unknown) => errors.push(`play(): ${String(e)}`));
    try {
      return await measure(o, source, createdAt, counters, errors);
    } finally {
      await within(5000, '<rtmp-player>.stop()', el.stop()).catch((e: unknown) => errors.push(String(e)));
      el.remove();
    }
  },

  async measureMpegts(o: MpegtsCellOptions) {
    const errors: string[] = [];
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    document.body.append(video);
    const createdAt = performance.now();
    const config: mpegts.Config = { ...mpegtsLowLatencyConfig(o.hasAudio), ...o.config };
    const player = mpegts.createPlayer({ type: 'flv', isLive: true, url: o.url, hasAudio: o.hasAudio, hasVideo: true }, config);
    player.on(mpegts.Events.ERROR, (type: unknown, detail: unknown, info: unknown) => errors.push(`${String(type)} ${String(detail)} ${JSON.stringify(info)}`));
    player.attachMediaElement(video);
    player.load();
    void Promise.resolve(player.play()).catch((e: unknown) => errors.push(`play(): ${String(e)}`));
    const source: DisplaySource = () =>
      video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA ? { image: video, width: video.videoWidth, height: video.videoHeight } : null;
    let start = video.getVideoPlaybackQuality();
    const counters = {
      begin: () => (start = video.getVideoPlaybackQuality()),
      sample: () => undefined,
      end: (): PlayerCounters => {
        const q = video.getVideoPlaybackQuality();
        const dropped = q.droppedVideoFrames - start.droppedVideoFrames;
        return { framesShown: q.totalVideoFrames - start.totalVideoFrames - dropped, framesDropped: dropped, config: { ...config } };
      },
    };
    try {
      return await measure(o, source, createdAt, counters, errors);
    } finally {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
      video.remove();
    }
  },
};

window.benchPage = api;
