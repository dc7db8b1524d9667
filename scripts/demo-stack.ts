/**
 * The three servers behind `npm start`, in one process, on loopback by
 * default: the embedded RTMP server (node-media-server v4), the WebSocket
 * bridge allowing only that server (plus `--allow` targets), and the demo
 * site (Vite's dev server over web/, which serves the elements from source).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import NodeMediaServer from 'node-media-server';
import nmsLogger from 'node-media-server/src/core/logger.js';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { createBridge, DEFAULT_ORIGINS, type Bridge, type BridgeLogEntry } from '../bridge/src/index.ts';
import { DEMO_CONFIG_PATH, type DemoConfig } from '../web/src/demo-config.ts';
import type { StartOptions } from './start-options.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The running stack: its URLs and how to stop it. */
export interface DemoStack {
  /** What the page gets at {@link DEMO_CONFIG_PATH}. */
  config: DemoConfig;
  /** The demo site, e.g. `http://127.0.0.1:5173/`. */
  webUrl: string;
  rtmpPort: number;
  httpFlvPort: number;
  bridgePort: number;
  webPort: number;
  /** Stops the web server, drains the bridge (briefly), stops the RTMP server. Idempotent. */
  close(): Promise<void>;
}

/** True when `host` means every interface. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** `host` as it goes into a URL (IPv6 bracketed). */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Resolves true when a TCP server can listen on host:port right now. */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const srv = net.createServer();
    srv.once('error', () => done(false));
    srv.listen(port, host, () => srv.close(() => done(true)));
  });
}

/** A port the OS says is free on `host`. */
function anyFreePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const srv = net.createServer();
    srv.once('error', fail);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => done(port));
    });
  });
}

/**
 * The port to use: the one asked for (which must be free: node-media-server
 * exits the process on a busy port), else `preferred` if free, else any.
 */
async function pickPort(asked: number | undefined, preferred: number | undefined, host: string, what: string): Promise<number> {
  if (asked !== undefined) {
    if (!(await canListen(asked, host))) throw new Error(`${what}: port ${asked} on ${host} is busy`);
    return asked;
  }
  if (preferred !== undefined && (await canListen(preferred, host))) return preferred;
  return anyFreePort(host);
}

/** Resolves once something accepts TCP connections on host:port. */
async function waitForListener(port: number, host: string, timeoutMs = 10_000): Promise<void> {
  const target = isWildcard(host) ? '127.0.0.1' : host;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const s = net.connect({ host: target, port }, () => {
        s.destroy();
        done(true);
      });
      s.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${target}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The bridge's log as short human lines: refusals always (they explain "why can't I reach X"), connections when verbose. */
function bridgeLogger(verbose: boolean, print: (line: string) => void): (entry: BridgeLogEntry) => void {
  return (entry) => {
    if (entry.event === 'refused') {
      const hint = entry.reason === 'not-allowed' && entry.target !== undefined ? ` (add: npm start -- --allow ${entry.target})` : '';
      print(`bridge: refused ${entry.target ?? 'a connection'}: ${entry.reason}${hint}`);
    } else if (verbose) {
      print(`bridge: ${entry.target} closed (${entry.closeReason}) after ${Math.round(entry.durationMs / 1000)} s, ` +
        `${entry.bytesToTarget} bytes up, ${entry.bytesToClient} bytes down`);
    }
  };
}

/** Serves the {@link DemoConfig} to the page. */
function demoConfigPlugin(config: DemoConfig): Plugin {
  const body = JSON.stringify(config);
  return {
    name: 'rtmp-web-demo-config',
    configureServer(server) {
      server.middlewares.use(DEMO_CONFIG_PATH, (_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('Cache-Control', 'no-store');
        res.end(body);
      });
    },
  };
}

/**
 * Starts the RTMP server, the bridge and the demo site. node-media-server
 * keeps module-level state, so call this once per process.
 */
export async function startDemoStack(options: StartOptions, print: (line: string) => void = console.log): Promise<DemoStack> {
  // One spelling per address: 'localhost' may resolve to ::1, and the bridge
  // and the RTMP server must agree on where the server is.
  const host = options.host === 'localhost' ? '127.0.0.1' : options.host.replace(/^\[|\]$/g, '');
  /** Where the bridge finds the RTMP server: loopback when it listens everywhere. */
  const rtmpHost = isWildcard(host) ? '127.0.0.1' : urlHost(host);
  const rtmpPort = await pickPort(options.rtmpPort, 1935, host, 'RTMP server');
  const httpFlvPort = await pickPort(options.httpFlvPort, undefined, host, 'HTTP-FLV server');
  const bridgePort = await pickPort(options.bridgePort, 8081, host, 'bridge');
  const webPort = await pickPort(options.webPort, 5173, host, 'demo site');

  const cleanups: (() => Promise<void> | void)[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const c of cleanups.reverse()) {
        try {
          await c();
        } catch (e) {
          print(`while stopping: ${(e as Error).message}`);
        }
      }
    })());

  try {
    // 1. The RTMP server. Its store and recordings go to a temporary directory.
    const dataDir = mkdtempSync(join(tmpdir(), 'rtmp-web-nms-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // Its constructor turns on debug logging: route its lines through ours,
    // warnings and errors only unless asked for more.
    nmsLogger.log = (message, level = 'info') => {
      if (options.verbose ? level !== 'trace' && level !== 'debug' : level === 'warn' || level === 'error') print(`rtmp-server: ${message}`);
    };
    const nms = new NodeMediaServer({
      bind: isWildcard(host) ? '0.0.0.0' : host,
      rtmp: { port: rtmpPort, chunk_size: 4096, gop_cache: true, ping: 30, ping_timeout: 60 },
      http: { port: httpFlvPort, allow_origin: '*' },
      webadmin: { enable: false },
      store: { path: dataDir },
      record: { auto: false, path: dataDir },
      auth: { play: false, publish: false, secret: '', jwt: { secret: 'unused', users: [] } },
    });
    cleanups.push(() => nms.stop());
    await nms.run();
    await waitForListener(rtmpPort, host);
    await waitForListener(httpFlvPort, host);

    // 2. The bridge: the embedded server (reached over loopback) and whatever --allow adds.
    const webOrigin = `http://${urlHost(host)}:${webPort}`;
    const extraOrigins = [...options.origins];
    if (!isWildcard(host) && host !== '127.0.0.1' && host !== '::1') extraOrigins.push(webOrigin);
    const bridge: Bridge = createBridge({
      allow: [`${rtmpHost}:${rtmpPort}`, ...options.allow],
      origins: extraOrigins.length > 0 ? [...DEFAULT_ORIGINS, ...extraOrigins] : undefined,
      log: bridgeLogger(options.verbose, print),
    });
    cleanups.push(() => bridge.close({ drainTimeoutMs: 1000 }));
    await bridge.listen(bridgePort, host);

    // 3. The demo site.
    const shownHost = isWildcard(host) ? '{hostname}' : urlHost(host);
    const config: DemoConfig = {
      rtmpUrl: `rtmp://${rtmpHost}:${rtmpPort}/live`,
      bridgeUrl: `ws://${shownHost}:${bridgePort}/`,
      httpFlvUrl: `http://${isWildcard(host) ? '127.0.0.1' : urlHost(host)}:${httpFlvPort}/live/`,
      allow: [`${rtmpHost}:${rtmpPort}`, ...options.allow],
    };
    // Vite's dev server exits the process on SIGTERM (and when stdin ends)
    // by itself; our caller owns shutdown, so take those listeners back off.
    const sigtermBefore = new Set(process.listeners('SIGTERM'));
    const stdinEndBefore = new Set(process.stdin.listeners('end'));
    const vite: ViteDevServer = await createServer({
      configFile: join(root, 'web/vite.config.ts'),
      logLevel: options.verbose ? 'info' : 'warn',
      server: {
        host: isWildcard(host) ? true : host,
        port: webPort,
        strictPort: true,
        ...(options.noWatch ? { hmr: false, watch: null } : {}),
      },
      plugins: [demoConfigPlugin(config)],
    });
    for (const l of process.listeners('SIGTERM')) if (!sigtermBefore.has(l)) process.off('SIGTERM', l);
    for (const l of process.stdin.listeners('end')) if (!stdinEndBefore.has(l)) process.stdin.off('end', l as () => void);
    cleanups.push(() => vite.close());
    await vite.listen();

    return {
      config,
      webUrl: `http://${isWildcard(host) ? '127.0.0.1' : urlHost(host)}:${webPort}/`,
      rtmpPort,
      httpFlvPort,
      bridgePort,
      webPort,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
