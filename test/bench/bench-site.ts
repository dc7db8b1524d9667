/**
 * The benchmark's page as a production build: Vite builds test/bench/page
 * (the elements from source, their workers, mpegts.js) into
 * test-output/bench/site and serves it on loopback. A build rather than the
 * dev server, so a player's worker starts the way it does on a deployed
 * page (one bundled file, not a module graph fetched from a transformer).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The served page. */
export interface BenchSite {
  /** http://127.0.0.1:P/ */
  url: string;
  close(): Promise<void>;
}

/** Another test page built and served the same way (the soak's: test/soak/page). */
export interface BenchSiteOptions {
  /** The folder holding the page's index.html; default test/bench/page. */
  pageRoot?: string;
  /** Where the build goes; default test-output/bench/site. */
  outDir?: string;
  /** Response headers on every file, e.g. COOP/COEP for a cross-origin isolated page. */
  headers?: Record<string, string>;
}

/** Builds the page (about 10–20 s here) and serves it on a free loopback port. */
export async function startBenchSite(options: BenchSiteOptions = {}): Promise<BenchSite> {
  const pageRoot = options.pageRoot ?? join(here, 'page');
  const outDir = options.outDir ?? join(root, 'test-output/bench/site');
  const shared = { configFile: false as const, root: pageRoot, base: './', logLevel: 'warn' as const, publicDir: false as const };
  await build({
    ...shared,
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
  });
  const server = await preview({ ...shared, build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false, ...(options.headers ? { headers: options.headers } : {}) } });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('the bench site has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => server.close(),
  };
}
