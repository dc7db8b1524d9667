/**
 * One script tag from any origin: dist/rtmp.js served by another origin than
 * the page (a CDN, with CORS), loaded with `<script type="module" src>`.
 * Its workers start anyway (from a same-origin blob that imports them), and
 * so do the AudioWorklet (a blob made on the page) and the WASM AAC encoder
 * (a chunk the publisher's worker imports from beside itself: headless
 * Chromium has no AAC encoder, so this path runs). Skipped, saying so, when
 * dist/ has not been built.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import type { RtmpPublisher } from '../../../rtmp-publisher/src/rtmp-publisher.ts';
import { canvasToneSource } from '../../../rtmp-publisher/test/browser/canvas-tone-source.ts';
import { EventLog, PageErrors, Peers, assert, checkTestsrc2Colours, makePlayer, screenshotOf, waitFor, waitForState } from '../../../rtmp-player/test/browser/player-harness.ts';
import { fetched, loadBundle, requestsTo, serveDist, type CdnBundle } from './cdn-bundle.ts';

/** Every AudioWorklet module the page added: its URL and how adding it ended. */
const worklets: { url: string; outcome: Promise<string> }[] = [];
const addModule = AudioWorklet.prototype.addModule;
AudioWorklet.prototype.addModule = function (this: AudioWorklet, url: string | URL, options?: WorkletOptions): Promise<void> {
  const added = addModule.call(this, url, options);
  worklets.push({ url: String(url), outcome: added.then(() => 'loaded', (e: unknown) => `failed: ${String(e)}`) });
  return added;
};

describe('dist/rtmp.js from another origin (a CDN with CORS)', () => {
  const peers = new Peers();
  let cdn: CdnBundle;
  let pageErrors: PageErrors;

  before(async function () {
    cdn = await serveDist('all');
    peers.adopt(cdn.id);
    if (!cdn.built) {
      console.warn('dist/rtmp.js is missing: run `npx vite build` first; skipping');
      this.skip();
    }
    await loadBundle(cdn);
  });
  beforeEach(() => (pageErrors = new PageErrors()));
  afterEach(() => {
    pageErrors.dispose();
    assert(pageErrors.errors.length === 0, pageErrors.errors.join('; '));
  });
  after(() => peers.stopAll());

  it('the browser refuses new Worker() for the CDN URL itself (why the blob importer is there)', () => {
    let refused: unknown;
    try {
      new Worker(`${cdn.origin}/rtmp.js`, { type: 'module' }).terminate();
    } catch (e) {
      refused = e;
    }
    assert(refused instanceof DOMException && refused.name === 'SecurityError', `new Worker(cross-origin URL): ${String(refused ?? 'started')}`);
  });

  it('<rtmp-player> plays, with sound, its worker and worklet started from the page', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    await peers.publish(`${server.url}/cdn`, { width: 640, height: 360, seconds: 30 });
    // Unmuted: the AudioContext and its worklet start too.
    const el = makePlayer(`${server.url}/cdn`, bridge.url, { autoplay: '' });
    const log = new EventLog(el);
    try {
      await waitForState(el, 'playing', 30_000);
      await waitFor(() => el.stats.framesShown >= 30, 10_000, `30 frames shown (now ${el.stats.framesShown})`);
      await checkTestsrc2Colours(await screenshotOf(el));
      assert(el.stats.state === 'playing', `state ${el.stats.state}`);
      // The blob importer's cost is in workerMs (play() → the worker's first line): for the record.
      console.log(`startup from the CDN: ${JSON.stringify(el.stats.startup)}`);
      assert(el.stats.audioCodec !== '', 'no audio track decoded');
      // The worklet: a blob made on the page, loaded (no AUDIO_UNAVAILABLE either).
      assert(worklets.length === 1 && worklets[0]!.url.startsWith(`blob:${location.origin}/`), `worklets ${JSON.stringify(worklets.map((w) => w.url))}`);
      assert((await worklets[0]!.outcome) === 'loaded', `the worklet ${await worklets[0]!.outcome}`);
      assert(log.errors.length === 0, JSON.stringify(log.errors));
      const worker = fetched(await requestsTo(cdn), 'player-worker-');
      assert(worker.length === 1, `the player's worker came from the CDN: ${worker.join(', ') || 'not fetched'}`);
    } finally {
      el.parentElement?.remove();
    }
  });

  it('<rtmp-publisher> publishes a canvas stream, AAC from the WASM encoder', async () => {
    const server = await peers.server('nms');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    const source = canvasToneSource(320, 180);
    const el = document.createElement('rtmp-publisher') as RtmpPublisher;
    for (const [k, v] of Object.entries({ url: server.url, 'stream-key': 'cdn', bridge: bridge.url, width: 320, height: 180, framerate: 30, 'video-bitrate': 500 })) {
      el.setAttribute(k, String(v));
    }
    const errors: unknown[] = [];
    el.addEventListener('error', (e) => errors.push((e as unknown as CustomEvent).detail));
    document.body.append(el);
    try {
      await el.start(source.stream);
      assert(el.stats.state === 'publishing', `state ${el.stats.state}`);
      const streams = (await executeServerCommand('peers-ffprobe', { url: `${server.url}/cdn`, timeoutMs: 15_000 })) as { codec_type: string; codec_name: string }[];
      const codecs = streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort();
      assert(codecs.join() === 'audio:aac,video:h264', `the server got ${codecs.join(', ')}`);
      const requests = await requestsTo(cdn);
      assert(fetched(requests, 'publisher-worker-').length === 1, "the publisher's worker came from the CDN");
      // Headless Chromium has no AAC encoder: the WASM one, a chunk beside the worker.
      assert(fetched(requests, 'aac-wasm-encoder-').length === 1, `the WASM AAC encoder came from the CDN (fetched: ${Object.keys(requests).join(', ')})`);
      assert(errors.length === 0, JSON.stringify(errors));
    } finally {
      el.stop();
      el.remove();
      await source.stop();
    }
  });
});
