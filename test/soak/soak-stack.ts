/**
 * Everything a soak runs on, started on loopback and stopped in reverse
 * order: two RTMP servers of one kind (node-media-server or nginx-rtmp), each
 * behind a throttle proxy (stall, bandwidth) and a reconnect-request proxy,
 * the bridge as a child process of its own (so it can be killed, and its RSS
 * is its own), the soak page built and served with COOP/COEP headers, and
 * Chromium with three tabs: the publisher's, the player's (in front) and a
 * blank one that is brought to the front to hide the player's.
 *
 * ```
 *  publisher tab ─┐                      ┌─ throttle A ── reconnect A ── server A
 *                 ├─ ws ── bridge ── tcp ┤
 *  player tab ────┘      (child process) └─ throttle B ── reconnect B ── server B
 * ```
 *
 * The elements speak to `rtmp://127.0.0.1:<throttle port>/live`; a reconnect
 * request sent through A names B's address, and the next one B's names A's.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { startBridgeProcess } from '../../bridge/test/support/cli-process.ts';
import { startBenchSite, type BenchSite } from '../bench/bench-site.ts';
import { Cleanup } from '../bench/cleanup.ts';
import { launchChromium, type LaunchedChromium } from '../demo/chromium.ts';
import { freePort, waitForPort } from '../peers/free-port.ts';
import { startNginxRtmp } from '../peers/nginx-rtmp.ts';
import { startNodeMediaServer } from '../peers/node-media-server.ts';
import { startReconnectProxy } from '../peers/reconnect-proxy.ts';
import { startThrottleProxy, type ThrottleProxy } from '../peers/throttle-proxy.ts';
import { rendererPids } from './process-memory.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** The RTMP server the soak runs against. */
export type SoakServerKind = 'nms' | 'nginx';

/** One server and the two proxies in front of it. */
export class ServerRoute {
  private server: { stop(): Promise<void>; log(): string } | null = null;
  private constructor(
    readonly name: 'A' | 'B',
    readonly kind: SoakServerKind,
    /** The server's own RTMP port (and node-media-server's HTTP port), kept across restarts. */
    readonly serverPort: number,
    private readonly httpPort: number,
    readonly reconnect: Awaited<ReturnType<typeof startReconnectProxy>>,
    readonly throttle: ThrottleProxy,
  ) {}

  /** Starts the server and its proxies. */
  static async start(name: 'A' | 'B', kind: SoakServerKind): Promise<ServerRoute> {
    const serverPort = await freePort();
    const httpPort = await freePort();
    const reconnect = await startReconnectProxy(serverPort);
    const throttle = await startThrottleProxy(reconnect.port);
    const route = new ServerRoute(name, kind, serverPort, httpPort, reconnect, throttle);
    await route.startServer();
    return route;
  }

  /** The address the elements use: through both proxies. */
  get url(): string {
    return `rtmp://127.0.0.1:${this.throttle.port}/live`;
  }

  /** (Re)starts the server on its port; resolves once it accepts connections. */
  async startServer(): Promise<void> {
    if (this.server) return;
    this.server = this.kind === 'nms'
      ? await startNodeMediaServer({ port: this.serverPort, httpPort: this.httpPort })
      : await startNginxRtmp({ port: this.serverPort });
    await waitForPort(this.serverPort);
  }

  /** Stops the server (node-media-server: SIGTERM, SIGKILL after 3 s; nginx: SIGTERM, its fast shutdown): every connection to it drops. */
  async stopServer(): Promise<void> {
    const s = this.server;
    this.server = null;
    await s?.stop();
  }

  /** The server's log so far (empty while it is down). */
  serverLog(): string {
    return this.server?.log() ?? '';
  }

  async close(): Promise<void> {
    await this.stopServer();
    await this.reconnect.stop();
    await this.throttle.stop();
  }
}

/** `rtmp-bridge` (bridge/bin/rtmp-bridge.mjs) as a child process on a fixed port. */
export class BridgeProcess {
  private child: ChildProcessWithoutNullStreams | null = null;
  private constructor(
    private readonly allow: string[],
    /** The port, kept across restarts. */
    public port: number,
  ) {}

  /** Starts it on a free port, allowing `allow` (host:port each). */
  static async start(allow: string[]): Promise<BridgeProcess> {
    const b = new BridgeProcess(allow, 0);
    await b.restart();
    return b;
  }

  /** `ws://127.0.0.1:<port>/` */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** Its pid, or null while it is down. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Kills it with SIGKILL (a crash: every WebSocket drops at once, no drain). */
  async kill(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on the same port (the first time: a free one); resolves once it printed its listening line. */
  async restart(): Promise<void> {
    await this.kill();
    const args = [...(this.port === 0 ? [] : ['--listen', `127.0.0.1:${this.port}`]), ...this.allow.flatMap((a) => ['--allow', a])];
    const p = await startBridgeProcess(process.execPath, [join(root, 'bridge/bin/rtmp-bridge.mjs')], args, {
      onSpawn: (child) => (this.child = child),
    });
    this.port = p.port;
  }
}

/** A tab of the soak page, with the renderer process it runs in. */
export interface SoakTab {
  page: Page;
  /** The renderer that appeared when the tab opened; null if none did (it shares another's). */
  rendererPid: number | null;
}

/** The whole stack. */
export interface SoakStack {
  routes: [ServerRoute, ServerRoute];
  bridge: BridgeProcess;
  site: BenchSite;
  chromium: LaunchedChromium;
  publisher: SoakTab;
  player: SoakTab;
  /** The blank tab brought to the front to hide the player's. */
  cover: Page;
  /** Uncaught errors in either tab (pageerror), and renderer crashes. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Starts everything. The page is served cross-origin isolated (COOP
 * same-origin, COEP require-corp), so `performance.measureUserAgentSpecificMemory()` is there.
 */
export async function startSoakStack(kind: SoakServerKind): Promise<SoakStack> {
  const cleanup = new Cleanup();
  try {
    const a = await ServerRoute.start('A', kind);
    cleanup.add(() => a.close());
    const b = await ServerRoute.start('B', kind);
    cleanup.add(() => b.close());
    const bridge = await BridgeProcess.start([`127.0.0.1:${a.throttle.port}`, `127.0.0.1:${b.throttle.port}`]);
    cleanup.add(() => bridge.kill());
    const site = await startBenchSite({
      pageRoot: join(here, 'page'),
      outDir: join(root, 'test-output/soak/site'),
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    });
    cleanup.add(() => site.close());
    const chromium = await launchChromium([
      // The publisher's tab is never in front: keep its timers and rendering at full rate.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      // measureUserAgentSpecificMemory() answers at once instead of at the next GC (up to 20 s).
      '--enable-blink-features=ForceEagerMeasureMemory',
      // No spare renderer started ahead of the next tab, so the renderer that appears when a tab opens is that tab's.
      '--disable-features=SpareRendererForSitePerProcess',
    ]);
    cleanup.add(() => chromium.close());
    const browserPid = chromium.browser.process()?.pid ?? null;
    const pageErrors: string[] = [];
    const openTab = async (label: string): Promise<SoakTab> => {
      const before = browserPid === null ? new Set<number>() : rendererPids(browserPid);
      const page = await chromium.browser.newPage();
      page.on('pageerror', (e) => pageErrors.push(`${label}: ${String(e)}`));
      page.on('error', (e) => pageErrors.push(`${label} crashed: ${String(e)}`));
      await page.goto(site.url);
      await page.waitForFunction(() => window.soakPage !== undefined, { timeout: 30_000 });
      const added = browserPid === null ? [] : [...rendererPids(browserPid)].filter((p) => !before.has(p));
      return { page, rendererPid: added.length === 1 ? added[0]! : null };
    };
    // First, so the renderers Chromium starts with (the first tab's, its UI's) are there before a soak tab opens.
    const cover = await chromium.browser.newPage();
    const publisher = await openTab('publisher tab');
    const player = await openTab('player tab');
    await player.page.bringToFront();
    return { routes: [a, b], bridge, site, chromium, publisher, player, cover, pageErrors, close: () => cleanup.run() };
  } catch (e) {
    await cleanup.run();
    throw e;
  }
}
