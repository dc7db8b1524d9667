/**
 * The soak's page (built with Vite like the benchmark's, driven from Node by
 * puppeteer-core through `window.soakPage`, see ../soak-protocol.ts). The
 * publisher's tab runs `<rtmp-publisher>` on the benchmark's timecode
 * canvas; the player's tab runs `<rtmp-player>` and the benchmark's display
 * probe, which reads the code back from the player's canvas on every
 * animation frame. Both run for the whole soak; only the elements' public
 * API is used.
 */
import { RtmpPlayerElement } from '@rtmp-web/player';
import { RtmpPublisher } from '@rtmp-web/publisher';
import type { PlayerElement, PublisherElement } from '../../../web/src/element-types.ts';
import { timecodeDiff } from '../../../web/src/frame-timecode.ts';
import type { PagePublisherOptions } from '../../bench/bench-protocol.ts';
import { DisplayProbe } from '../../bench/page/display-probe.ts';
import { createTimecodePublisher, setUpTimecodePublisher, startTimecodeSource, type TimecodeSource } from '../../bench/page/timecode-source.ts';
import type { SoakElementError, SoakPageApi, SoakPageSample, SoakVideoSize } from '../soak-protocol.ts';

// Named, and checked, so the bundler keeps the modules whose decorators
// register the elements (a bare side-effect import is tree-shaken away).
for (const [tag, element] of [['rtmp-player', RtmpPlayerElement], ['rtmp-publisher', RtmpPublisher]] as const) {
  if (customElements.get(tag) !== element) throw new Error(`<${tag}> is not registered`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `work`, or a rejection naming `what` after `ms`. */
function within<T>(ms: number, what: string, work: Promise<T> | T): Promise<T> {
  return Promise.race([Promise.resolve(work), sleep(ms).then(() => Promise.reject(new Error(`${what}: no answer after ${ms} ms`)))]);
}

const errors: SoakElementError[] = [];

/** Keeps an element's `error` events (they stay on the element: stopping them here changes nothing). */
function keepErrors(el: HTMLElement, element: SoakElementError['element']): void {
  el.addEventListener('error', (e) => {
    const d = (e as unknown as CustomEvent<{ code?: unknown; message?: unknown; fatal?: unknown }>).detail ?? {};
    errors.push({ element, at: Date.now(), code: String(d.code ?? ''), message: String(d.message ?? ''), fatal: d.fatal === true });
  });
}

/** A number from a stats object, 0 where absent. */
function num(stats: object, name: string): number {
  const v = (stats as Record<string, unknown>)[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

let publisher: { element: PublisherElement; source: TimecodeSource | null; size: SoakVideoSize; options: PagePublisherOptions } | null = null;
let player: { element: PlayerElement; probe: DisplayProbe } | null = null;
/** The newest code the probe has read (null: none yet). */
let newestCode: number | null = null;
/** newFrameAt's waiters: the newest code when they asked, and their resolver. */
const frameWaiters = new Set<{ after: number | null; resolve: (at: number) => void }>();

/** Every readable code the probe reads: keep the newest, wake the waiters it is new to. */
function onCode(code: number, nowMs: number): void {
  if (newestCode === null || timecodeDiff(code, newestCode) > 0) newestCode = code;
  for (const w of frameWaiters) {
    if (w.after === null || timecodeDiff(code, w.after) > 0) {
      frameWaiters.delete(w);
      w.resolve(nowMs);
    }
  }
}

const api: SoakPageApi = {
  async startPublisher(o, size) {
    if (publisher?.source) throw new Error('the publisher is already running');
    const source = startTimecodeSource(true, size);
    let element = publisher?.element;
    if (element === undefined) {
      element = createTimecodePublisher(o, size);
      keepErrors(element, 'publisher');
      document.body.append(element);
    } else {
      // The server the run has the elements on now (a reconnect request may have moved them since the last start).
      setUpTimecodePublisher(element, o, size);
    }
    publisher = { element, source, size, options: o };
    await within(20_000, '<rtmp-publisher>.start()', element.start(source.stream));
  },

  async stopPublisher() {
    if (!publisher?.source) return;
    await within(5000, '<rtmp-publisher>.stop()', publisher.element.stop());
    publisher.source.stop();
    publisher.source = null;
  },

  async publishingAt(timeoutMs) {
    const el = publisher?.element;
    if (el === undefined) return null;
    if (el.stats.state === 'publishing') return Date.now();
    return new Promise<number | null>((resolve) => {
      const done = (v: number | null) => {
        clearTimeout(timer);
        el.removeEventListener('statechange', on);
        resolve(v);
      };
      const on = () => {
        if (el.stats.state === 'publishing') done(Date.now());
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      el.addEventListener('statechange', on);
    });
  },

  async startPlayer(o) {
    if (player) throw new Error('the player is already running');
    const el = document.createElement('rtmp-player') as PlayerElement;
    el.setAttribute('src', o.src);
    el.setAttribute('bridge', o.bridge);
    keepErrors(el, 'player');
    document.body.append(el);
    const probe = new DisplayProbe(() => {
      const canvas = el.shadowRoot?.querySelector('canvas');
      return canvas ? { image: canvas, width: canvas.width, height: canvas.height } : null;
    }, onCode);
    probe.start();
    probe.tally.beginWindow();
    player = { element: el, probe };
    await el.play();
  },

  newFrameAt(timeoutMs) {
    return new Promise((resolve) => {
      const w = {
        after: newestCode,
        resolve: (at: number) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        frameWaiters.delete(w);
        resolve(null);
      }, timeoutMs);
      frameWaiters.add(w);
    });
  },

  sample(): SoakPageSample {
    let p: SoakPageSample['player'] = null;
    if (player) {
      const s = player.element.stats;
      const window = player.probe.tally.endWindow(0, {}, []);
      player.probe.tally.beginWindow();
      p = {
        state: String(s.state),
        framesShown: num(s, 'framesShown'),
        framesDropped: num(s, 'framesDropped'),
        framesSkipped: num(s, 'framesSkipped'),
        reconnects: num(s, 'reconnects'),
        width: num(s, 'width'),
        height: num(s, 'height'),
        playerDelayMs: num(s, 'playerDelayMs'),
        targetLatencyMs: num(s, 'targetLatencyMs'),
        delaysMs: window.latenciesMs,
        ticks: window.ticks,
        unreadableTicks: window.unreadableTicks,
      };
    }
    let q: SoakPageSample['publisher'] = null;
    if (publisher) {
      const s = publisher.element.stats;
      q = {
        state: String(s.state),
        fps: num(s, 'fps'),
        queueMs: num(s, 'queueMs'),
        bitrateKbps: num(s, 'bitrateKbps'),
        framesEncoded: num(s, 'framesEncoded'),
        framesDropped: num(s, 'framesDropped'),
        reconnects: num(s, 'reconnects'),
        width: publisher.size.width,
        height: publisher.size.height,
      };
    }
    const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    return {
      at: Date.now(),
      visibility: document.visibilityState,
      player: p,
      publisher: q,
      errors: errors.splice(0),
      mainHeapBytes: memory ? memory.usedJSHeapSize : null,
    };
  },

  async measureMemory() {
    const measure = (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: { bytes: number; types: string[] }[] }> }).measureUserAgentSpecificMemory;
    if (!crossOriginIsolated) return { unavailable: 'the page is not cross-origin isolated' };
    if (typeof measure !== 'function') return { unavailable: 'no performance.measureUserAgentSpecificMemory' };
    try {
      const r = await measure.call(performance);
      const workerBytes = r.breakdown.filter((b) => b.types.some((t) => t.includes('Worker'))).reduce((a, b) => a + b.bytes, 0);
      return { bytes: r.bytes, workerBytes };
    } catch (e) {
      return { unavailable: String(e) };
    }
  },
};

window.soakPage = api;
