/**
 * The built bundle (`dist/`, from `vite build`) served the way a CDN serves
 * it: its own loopback HTTP server, so another origin than the test page.
 * Merged into the @web/test-runner peers plugin (wtr-peers-plugin.ts):
 *
 * | command | payload | returns |
 * | --- | --- | --- |
 * | `peers-dist-server` | `{ cors: 'all' \| 'entry-only' }` | `{ id, origin, built }`: `dist/` on a free loopback port; `all`: every file with `Access-Control-Allow-Origin: *` (a CDN); `entry-only`: only `rtmp.js` (its workers and chunks without CORS: a misconfigured server); `built` false when there is no dist/rtmp.js |
 *
 * Requests are counted per file name (`peers-dist-requests`, `{ id }` →
 * `{ [file]: count }`), so a test can tell which files a page fetched.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Payload = Record<string, unknown> | undefined;
type Keep = (peer: { stop(): Promise<void>; log?(): string }) => string;

const distDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

/** The request counts of each running dist server, by id. */
const requestCounts = new Map<string, Map<string, number>>();

/** Browser-test commands serving `dist/` from another origin (see the file comment). */
export function distServerCommands(keep: Keep): Record<string, (p: Payload) => Promise<unknown>> {
  return {
    async 'peers-dist-server'(p) {
      const cors = p?.cors;
      if (cors !== 'all' && cors !== 'entry-only') throw new TypeError(`peers-dist-server: cors must be 'all' or 'entry-only', not ${String(cors)}`);
      const built = existsSync(join(distDir, 'rtmp.js'));
      const counts = new Map<string, number>();
      const server = http.createServer((req, res) => {
        const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
        const file = join(distDir, path);
        counts.set(path, (counts.get(path) ?? 0) + 1);
        const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
        if (cors === 'all' || path === 'rtmp.js') headers['Access-Control-Allow-Origin'] = '*';
        if (!file.startsWith(distDir + '/') || path.includes('/') || !existsSync(file)) {
          res.writeHead(404, headers).end();
          return;
        }
        headers['Content-Type'] = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
        res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : readFileSync(file));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as net.AddressInfo).port;
      const id = keep({
        stop: () =>
          new Promise<void>((r) => {
            requestCounts.delete(id);
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
      requestCounts.set(id, counts);
      return { id, origin: `http://127.0.0.1:${port}`, built };
    },

    async 'peers-dist-requests'(p) {
      const counts = requestCounts.get(String(p?.id));
      if (counts === undefined) throw new Error(`no dist server ${String(p?.id)}`);
      return Object.fromEntries(counts);
    },
  };
}
