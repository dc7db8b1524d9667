/**
 * The built bundle on another origin, as a CDN serves it: `dist/` on a
 * loopback HTTP server of its own (test/peers/dist-server.ts), loaded into
 * the test page with a `<script type="module" src>` as a plain page would.
 * A page can register the elements once, so each test file loads one.
 */
import { executeServerCommand } from '@web/test-runner-commands';

/** `dist/` on its own origin. */
export interface CdnBundle {
  id: string;
  /** `http://127.0.0.1:<port>`: never the test page's origin. */
  origin: string;
  /** False when dist/ has not been built. */
  built: boolean;
}

/** Serves `dist/` from another origin: CORS on every file (`all`, a CDN) or only on rtmp.js (`entry-only`). */
export async function serveDist(cors: 'all' | 'entry-only'): Promise<CdnBundle> {
  const bundle = (await executeServerCommand('peers-dist-server', { cors })) as CdnBundle;
  if (bundle.origin === location.origin) throw new Error(`the dist server is on the page's own origin ${location.origin}`);
  return bundle;
}

/** How many times the page (and its workers) fetched each file from `bundle`. */
export async function requestsTo(bundle: CdnBundle): Promise<Record<string, number>> {
  return (await executeServerCommand('peers-dist-requests', { id: bundle.id })) as Record<string, number>;
}

/** The files fetched whose names start with `prefix` (`player-worker-`: the hashed worker file). */
export function fetched(requests: Record<string, number>, prefix: string): string[] {
  return Object.keys(requests).filter((f) => f.startsWith(prefix) && f.endsWith('.js'));
}

/** Loads `<origin>/rtmp.js` as a module script and waits for both elements. */
export async function loadBundle(bundle: CdnBundle): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = document.createElement('script');
    s.type = 'module';
    s.src = `${bundle.origin}/rtmp.js`;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`${s.src} failed to load`));
    document.head.append(s);
  });
  await Promise.all([customElements.whenDefined('rtmp-player'), customElements.whenDefined('rtmp-publisher')]);
}
