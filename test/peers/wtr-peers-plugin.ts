/**
 * A @web/test-runner plugin that lets browser tests start and stop real peers
 * on loopback through `executeServerCommand(name, payload)`:
 * nginx-rtmp, node-media-server, the bridge, FFmpeg publishers, ffprobe,
 * a garbage RTMP server and a tiny HTTP status server. Everything a test
 * starts is stopped when the run ends.
 *
 * | command | payload | returns |
 * | --- | --- | --- |
 * | `peers-start-server` | `{ kind: 'nginx' \| 'nms', port?, applicationExtra? }` | `{ id, port, url, httpPort }` |
 * | `peers-start-bridge` | `{ allow: string[], port? }` | `{ id, url }` (ws://127.0.0.1:P/; pass the old port to restart "the same" bridge) |
 * | `peers-ffmpeg-publish` | `{ url, source?: TestSourceOptions }` | `{ id }` |
 * | `peers-ffmpeg` | `{ args: string[] }` (after -hide_banner -loglevel error) | `{ id }` |
 * | `peers-ffprobe` | `{ url, timeoutMs? }` | `ProbedStream[]` |
 * | `peers-garbage-server` | `{}` | `{ id, port }`: handshakes, then sends random bytes |
 * | `peers-http-status` | `{ status }` | `{ id, port }`: answers every request with that status |
 * | `peers-stop` | `{ id }` | `true` |
 * | `peers-log` | `{ id }` | the peer's log text, if it has one |
 * | `peers-dist-server`, `peers-dist-requests` | dist/ served from another origin, with or without CORS | see dist-server.ts |
 * | `peers-ffmpeg8-*` | FFmpeg 8.1 (node-av) publish, read, listen, multitrack server | see ffmpeg8-peers.ts |
 * | `peers-gst-*` | GStreamer (rtmp2sink/rtmp2src) publish, read, result | see gstreamer-peers.ts |
 * | `page-screenshot` | `{ x, y, width, height }` (CSS px) | a PNG of that part of the page as the browser composited it, base64 |
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { RtmpServerHandshake } from '@rtmp-web/core';
import { createBridge } from '../../bridge/src/index.ts';
import { distServerCommands } from './dist-server.ts';
import { ffmpegPublish, ffprobe, makeTestSource, spawnFfmpeg, type TestSourceOptions } from './ffmpeg.ts';
import { ffmpeg8Commands } from './ffmpeg8-peers.ts';
import { gstreamerCommands } from './gstreamer-peers.ts';
import { startNginxRtmp } from './nginx-rtmp.ts';
import { startNodeMediaServer } from './node-media-server.ts';
import { publisherCommands } from './publisher-peers.ts';
import { playerCommands } from './player-peers.ts';
import { reconnectProxyCommands } from './reconnect-proxy.ts';

interface Peer {
  stop(): Promise<void>;
  log?(): string;
}

type Payload = Record<string, unknown> | undefined;

const peers = new Map<string, Peer>();
let nextId = 1;

function keep(peer: Peer): string {
  const id = `peer-${nextId++}`;
  peers.set(id, peer);
  return id;
}

function listen(server: net.Server | http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

const COMMANDS: Record<string, (p: Payload) => Promise<unknown>> = {
  // The publisher's tests: ffprobe frame lists, MP4 over HTTP, a throttling proxy (see publisher-peers.ts).
  ...publisherCommands(keep),
  // The player's tests: a TCP proxy that can freeze (a stall without a close; see player-peers.ts).
  ...playerCommands(keep),
  // Both elements' reconnect-request tests: a proxy that injects NetConnection.Connect.ReconnectRequest (see reconnect-proxy.ts).
  ...reconnectProxyCommands(keep),
  // Enhanced RTMP v2: FFmpeg 8.1 through node-av, in child processes (see ffmpeg8-peers.ts).
  ...ffmpeg8Commands(keep),
  // GStreamer's rtmp2 elements through gst-launch-1.0 (see gstreamer-peers.ts).
  ...gstreamerCommands(keep),
  // dist/ on another origin, as a CDN serves it (see dist-server.ts).
  ...distServerCommands(keep),

  async 'peers-start-server'(p) {
    const kind = p?.kind;
    if (kind === 'nginx') {
      const s = await startNginxRtmp({ port: p?.port as number | undefined, applicationExtra: p?.applicationExtra as string | undefined });
      return { id: keep(s), port: s.port, url: s.url, httpPort: s.httpPort };
    }
    if (kind === 'nms') {
      const s = await startNodeMediaServer({ port: p?.port as number | undefined, httpPort: p?.httpPort as number | undefined });
      return { id: keep(s), port: s.port, url: s.url, httpPort: s.httpPort };
    }
    throw new Error(`unknown server kind ${String(kind)}`);
  },

  async 'peers-start-bridge'(p) {
    const bridge = createBridge({ allow: (p?.allow as string[]) ?? [], log: false });
    const addr = await bridge.listen((p?.port as number | undefined) ?? 0, '127.0.0.1');
    return { id: keep({ stop: () => bridge.close({ drainTimeoutMs: 100 }) }), url: `ws://127.0.0.1:${addr.port}/` };
  },

  async 'peers-ffmpeg-publish'(p) {
    const file = await makeTestSource((p?.source as TestSourceOptions) ?? {});
    const ff = ffmpegPublish(file, String(p?.url));
    return { id: keep({ stop: () => ff.stop(), log: () => ff.stderr() }) };
  },

  async 'peers-ffmpeg'(p) {
    const ff = spawnFfmpeg((p?.args as string[]) ?? []);
    return { id: keep({ stop: () => ff.stop(), log: () => ff.stderr() }) };
  },

  async 'peers-ffprobe'(p) {
    return ffprobe(String(p?.url), (p?.timeoutMs as number | undefined) ?? 20_000);
  },

  async 'peers-garbage-server'() {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      const hs = new RtmpServerHandshake();
      socket.on('data', (b) => {
        if (hs.done) return;
        const r = hs.receive(new Uint8Array(b));
        if (r.send) socket.write(r.send);
        if (r.done) {
          // After the handshake: random bytes, a few times, then close.
          let n = 0;
          const t = setInterval(() => {
            if (n++ > 20 || socket.destroyed) {
              clearInterval(t);
              socket.destroy();
              return;
            }
            socket.write(randomBytes(4096));
          }, 50);
        }
      });
    });
    const port = await listen(server);
    return {
      id: keep({
        stop: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
      port,
    };
  },

  async 'peers-http-status'(p) {
    const status = Number(p?.status ?? 200);
    const server = http.createServer((_req, res) => {
      res.writeHead(status);
      res.end();
    });
    const port = await listen(server);
    return { id: keep({ stop: () => new Promise<void>((r) => server.close(() => r())) }), port };
  },

  async 'peers-stop'(p) {
    const id = String(p?.id);
    const peer = peers.get(id);
    peers.delete(id);
    await peer?.stop();
    return true;
  },

  async 'peers-log'(p) {
    return peers.get(String(p?.id))?.log?.() ?? '';
  },
};

/** What the plugin needs of a test session for a screenshot: @web/test-runner-chrome's launcher gives the puppeteer page (Chromium, or Firefox over WebDriver BiDi). */
interface ScreenshotSession {
  id: string;
  browser: { getPage?(id: string): { screenshot(o: { clip: { x: number; y: number; width: number; height: number }; encoding: 'base64' }): Promise<string> } };
}

/** A screenshot of part of the test page: the pixels a person would see (a canvas outside the DOM shows nothing here). */
async function pageScreenshot(session: ScreenshotSession, p: Payload): Promise<string> {
  const page = session.browser.getPage?.(session.id);
  if (page === undefined) throw new Error('page-screenshot needs a puppeteer launcher (@web/test-runner-chrome, Chromium or Firefox)');
  const clip = { x: Number(p?.x), y: Number(p?.y), width: Number(p?.width), height: Number(p?.height) };
  return page.screenshot({ clip, encoding: 'base64' });
}

/** Stops every peer still running. */
async function stopAll(): Promise<void> {
  const all = [...peers.values()];
  peers.clear();
  await Promise.allSettled(all.map((p) => p.stop()));
}

/** The plugin: register in web-test-runner.config.mjs. */
export function peersPlugin() {
  return {
    name: 'rtmp-web-peers',
    async executeCommand({ command, payload, session }: { command: string; payload?: unknown; session: ScreenshotSession }): Promise<unknown> {
      if (command === 'page-screenshot') return pageScreenshot(session, payload as Payload);
      const run = COMMANDS[command];
      if (run === undefined) return undefined; // not ours: let other plugins answer
      return run(payload as Payload);
    },
    async serverStop() {
      await stopAll();
    },
  };
}
