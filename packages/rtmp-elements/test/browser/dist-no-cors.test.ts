/**
 * dist/rtmp.js from a server that sends CORS headers for rtmp.js but not for
 * its worker files: both elements fail with a typed WORKER_ERROR whose
 * message says the worker script could not be loaded from that origin, never
 * a silent wait. Skipped, saying so, when dist/ has not been built.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import type { RtmpPublisher } from '../../../rtmp-publisher/src/rtmp-publisher.ts';
import { canvasToneSource } from '../../../rtmp-publisher/test/browser/canvas-tone-source.ts';
import { EventLog, assert, makePlayer, waitFor } from '../../../rtmp-player/test/browser/player-harness.ts';
import { loadBundle, serveDist, type CdnBundle } from './cdn-bundle.ts';

describe('dist/rtmp.js from another origin whose workers have no CORS', () => {
  let cdn: CdnBundle;

  before(async function () {
    cdn = await serveDist('entry-only');
    if (!cdn.built) {
      console.warn('dist/rtmp.js is missing: run `npx vite build` first; skipping');
      this.skip();
    }
    await loadBundle(cdn);
  });
  after(() => executeServerCommand('peers-stop', { id: cdn.id }));

  it('<rtmp-player>: WORKER_ERROR naming the origin, state error', async () => {
    // Nothing listens there: the worker fails before it would connect.
    const el = makePlayer('rtmp://127.0.0.1:9/live/none', 'ws://127.0.0.1:9/');
    const log = new EventLog(el);
    try {
      void el.play().catch(() => {}); // it never resolves: the worker never answers; the error event says why
      await waitFor(() => log.errors.length > 0, 10_000, 'an error event');
      const e = log.errors[0] as { code: string; message: string; fatal: boolean };
      assert(e.code === 'WORKER_ERROR' && e.fatal, JSON.stringify(e));
      assert(e.message.includes(`could not be loaded from ${cdn.origin}`) && e.message.includes('CORS'), e.message);
      await waitFor(() => el.stats.state === 'error', 5000, `state error (now ${el.stats.state})`);
      // Playing again tries a new worker, and says so again.
      void el.play().catch(() => {});
      await waitFor(() => log.errors.length > 1, 10_000, 'a second error event');
      assert(log.errors[1]?.code === 'WORKER_ERROR', JSON.stringify(log.errors[1]));
    } finally {
      el.parentElement?.remove();
    }
  });

  it('<rtmp-publisher>: start() rejects with WORKER_ERROR naming the origin', async () => {
    const source = canvasToneSource(160, 90);
    const el = document.createElement('rtmp-publisher') as RtmpPublisher;
    el.setAttribute('url', 'rtmp://127.0.0.1:9/live');
    el.setAttribute('stream-key', 'none');
    el.setAttribute('bridge', 'ws://127.0.0.1:9/');
    const errors: { code: string; message: string }[] = [];
    el.addEventListener('error', (e) => errors.push((e as unknown as CustomEvent<{ code: string; message: string }>).detail));
    document.body.append(el);
    try {
      // Twice: a failed worker is not reused, so a second start() fails the same way (no hang).
      for (const attempt of [1, 2]) {
        const outcome = await Promise.race([
          el.start(source.stream).then(
            () => null,
            (e: unknown) => e as { code?: string; message?: string },
          ),
          new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
        ]);
        assert(outcome !== 'timeout' && outcome !== null, `start() #${attempt} ${outcome === null ? 'resolved' : 'never settled'}`);
        assert(outcome.code === 'WORKER_ERROR', `start() #${attempt} rejected with ${String(outcome.code)}: ${String(outcome.message)}`);
        assert(outcome.message?.includes(`could not be loaded from ${cdn.origin}`), String(outcome.message));
        assert(el.stats.state === 'error', `state ${el.stats.state}`);
      }
      assert(errors.filter((x) => x.code === 'WORKER_ERROR').length === 2, JSON.stringify(errors));
    } finally {
      el.remove();
      await source.stop();
    }
  });
});

