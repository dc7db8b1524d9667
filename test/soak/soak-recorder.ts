/**
 * The soak's 1 Hz record: each second, what both tabs report (the player's
 * glass-to-glass delay read from the picture, frames shown and dropped,
 * states; the publisher's frame rate and queue; element errors), each tab's
 * worker heaps (CDP `Runtime.getHeapUsage` on every worker target), each
 * tab's renderer RSS (/proc), the bridge's RSS and open sockets (/proc), and
 * every 10 s each tab's `performance.measureUserAgentSpecificMemory()`.
 */
import type { Page } from 'puppeteer-core';
import { openSockets, rssBytes } from './process-memory.ts';
import type { SoakElementError, SoakPageSample, SoakPlayerSample, SoakPublisherSample, SoakUaMemory } from './soak-protocol.ts';
import type { SoakStack } from './soak-stack.ts';

/** The memory side of one sample, bytes (null: not measured this second, or unavailable). */
export interface SoakMemorySample {
  playerRendererRss: number | null;
  publisherRendererRss: number | null;
  /** Sum of `usedSize` over the tab's worker targets. */
  playerWorkersHeap: number | null;
  publisherWorkersHeap: number | null;
  playerWorkers: number;
  publisherWorkers: number;
  /** The tab's main-thread JS heap (`performance.memory`). */
  playerMainHeap: number | null;
  publisherMainHeap: number | null;
  /** measureUserAgentSpecificMemory(), on the seconds it was taken. */
  playerUa: SoakUaMemory | null;
  publisherUa: SoakUaMemory | null;
  bridgeRss: number | null;
  bridgeSockets: number | null;
}

/** One second of the record. */
export interface SoakSample {
  /** Seconds since the run began. */
  t: number;
  /** Date.now(). */
  at: number;
  playerVisibility: DocumentVisibilityState | null;
  player: SoakPlayerSample | null;
  publisher: SoakPublisherSample | null;
  errors: SoakElementError[];
  memory: SoakMemorySample;
  /** The fault under way, if any (from its start to its recovery or the end of its slot). */
  fault: string | null;
  /** The route the elements are on. */
  route: 'A' | 'B';
}

/** The sum of the used JS heap over `page`'s workers, and how many there are. */
async function workersHeap(page: Page): Promise<{ bytes: number | null; count: number }> {
  const workers = page.workers();
  let bytes = 0;
  let measured = 0;
  await Promise.all(
    workers.map(async (w) => {
      try {
        const h = (await w.client.send('Runtime.getHeapUsage')) as { usedSize: number };
        bytes += h.usedSize;
        measured++;
      } catch {
        /* a worker that just ended */
      }
    }),
  );
  return { bytes: measured > 0 ? bytes : null, count: workers.length };
}

/** A page call that fails (a tab that is busy or gone) is a missing value, not the end of the run. */
async function pageSample(page: Page): Promise<SoakPageSample | null> {
  try {
    return await page.evaluate(() => window.soakPage.sample());
  } catch {
    return null;
  }
}

async function uaMemory(page: Page): Promise<SoakUaMemory> {
  try {
    return await page.evaluate(() => window.soakPage.measureMemory());
  } catch (e) {
    return { unavailable: String(e) };
  }
}

/** Samples the stack once a second until stopped. */
export class SoakRecorder {
  readonly samples: SoakSample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;
  private ticks = 0;
  /** Seconds skipped because the previous sample was still being taken. */
  skipped = 0;

  constructor(
    private readonly stack: SoakStack,
    private readonly t0: number,
    private readonly context: () => { fault: string | null; route: 'A' | 'B' },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) {
        this.skipped++;
        return;
      }
      this.busy = true;
      void this.sampleOnce().finally(() => (this.busy = false));
    }, 1000);
  }

  /** Stops sampling (after the one under way, if any). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
  }

  private async sampleOnce(): Promise<void> {
    const { stack } = this;
    const withUa = this.ticks++ % 10 === 0;
    const at = Date.now();
    const [pl, pu, plw, puw, plUa, puUa] = await Promise.all([
      pageSample(stack.player.page),
      pageSample(stack.publisher.page),
      workersHeap(stack.player.page),
      workersHeap(stack.publisher.page),
      withUa ? uaMemory(stack.player.page) : Promise.resolve(null),
      withUa ? uaMemory(stack.publisher.page) : Promise.resolve(null),
    ]);
    const rss = (pid: number | null) => (pid === null ? null : rssBytes(pid));
    const bridgePid = stack.bridge.pid;
    this.samples.push({
      t: Math.round((at - this.t0) / 100) / 10,
      at,
      playerVisibility: pl?.visibility ?? null,
      player: pl?.player ?? null,
      publisher: pu?.publisher ?? null,
      errors: [...(pl?.errors ?? []), ...(pu?.errors ?? [])],
      memory: {
        playerRendererRss: rss(stack.player.rendererPid),
        publisherRendererRss: rss(stack.publisher.rendererPid),
        playerWorkersHeap: plw.bytes,
        publisherWorkersHeap: puw.bytes,
        playerWorkers: plw.count,
        publisherWorkers: puw.count,
        playerMainHeap: pl?.mainHeapBytes ?? null,
        publisherMainHeap: pu?.mainHeapBytes ?? null,
        playerUa: plUa,
        publisherUa: puUa,
        bridgeRss: bridgePid === null ? null : rssBytes(bridgePid),
        bridgeSockets: bridgePid === null ? null : openSockets(bridgePid),
      },
      ...this.context(),
    });
  }
}
