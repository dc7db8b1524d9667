/**
 * One soak run: the stack up, the publisher and player started, then a
 * warm-up with no fault and a fault at the start of every slot (the kinds in
 * rotation), each timed from its start to the moment its cause is gone and
 * from there to recovery, while the recorder samples every second. Used by
 * `npm run soak` (soak.ts) and the short soak in `npm test`
 * (soak-short.test.ts); judging the result is soak-report.ts's job.
 */
import { cpus, loadavg } from 'node:os';
import { BENCH_VIDEO } from '../bench/bench-protocol.ts';
import { FAULT_KINDS, injectFault, routeUrl, startPublisher, type FaultHolds, type FaultKind, type SoakState } from './fault-schedule.ts';
import { workersHeapSplit, type WorkersHeapSplit } from './heap-snapshot.ts';
import { SoakRecorder, type SoakSample } from './soak-recorder.ts';
import { startSoakStack, type SoakServerKind, type SoakStack } from './soak-stack.ts';

/** How a run goes. */
export interface SoakRunOptions {
  /** Whole length of the run after the start, s. */
  durationS: number;
  server: SoakServerKind;
  /** Seconds with no fault at the start (the baseline). */
  warmupS: number;
  /** Seconds from one fault's start to the next's. */
  slotS: number;
  holds: FaultHolds;
  /** The kinds in rotation; default all of {@link FAULT_KINDS}. */
  kinds?: readonly FaultKind[];
  /** Progress lines. */
  log(line: string): void;
}

/** One fault as it happened; times in s since the run began. */
export interface FaultRecord {
  index: number;
  kind: FaultKind;
  startedAt: number;
  causeGoneAt: number;
  /** When the player showed a new frame after the cause was gone, with the publisher publishing; null: not before the slot ended. */
  recoveredAt: number | null;
  /** recoveredAt − causeGoneAt, ms. */
  recoveryMs: number | null;
  /** When the player showed that frame, and when the publisher was publishing again (null: not seen). */
  newFrameAt: number | null;
  publishingAt: number | null;
  /** The end of its slot (the next fault's start, or the end of the run). */
  slotEnd: number;
  note: string;
}

/** Everything a run measured. */
export interface SoakRun {
  options: Omit<SoakRunOptions, 'log'>;
  /** ISO time of t = 0. */
  startedAt: string;
  samples: SoakSample[];
  faults: FaultRecord[];
  /** pageerror events of both tabs (uncaught exceptions, unhandled rejections) and renderer crashes. */
  pageErrors: string[];
  /** Unhandled rejections and uncaught exceptions in this Node process during the run. */
  nodeErrors: string[];
  /** Seconds the recorder could not sample (the previous sample was still running). */
  samplesSkipped: number;
  /** Each tab's workers' heap split into compiled code and objects (heap-snapshot.ts): near the warm-up's end, and at the end. Absent in runs from before it was taken. */
  heapSnapshots?: { warmup: HeapSplits; end: HeapSplits };
  environment: { node: string; chromium: string; cores: number; loadAverage1m: number[]; server: SoakServerKind; video: typeof BENCH_VIDEO };
}

/** Both tabs' workers' heap, split (see heap-snapshot.ts), at `t` s. */
export interface HeapSplits {
  t: number;
  player: WorkersHeapSplit | null;
  publisher: WorkersHeapSplit | null;
}

/** Before the warm-up ends, this many seconds: the snapshot's pause is over before the first fault's "before" window. */
const WARMUP_SNAPSHOT_LEAD_S = 12;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function heapSplits(stack: SoakStack, t: number): Promise<HeapSplits> {
  return { t, player: await workersHeapSplit(stack.player.page), publisher: await workersHeapSplit(stack.publisher.page) };
}

/** Runs a soak (the caller prints and judges it). */
export async function runSoak(o: SoakRunOptions): Promise<SoakRun> {
  const kinds = o.kinds ?? FAULT_KINDS;
  const nodeErrors: string[] = [];
  const onNodeError = (e: unknown) => nodeErrors.push(String((e as Error)?.stack ?? e));
  process.on('unhandledRejection', onNodeError);
  process.on('uncaughtException', onNodeError);
  o.log(`soak: building the page, starting two ${o.server === 'nms' ? 'node-media-server' : 'nginx-rtmp'} servers, the proxies, the bridge and Chromium…`);
  const stack = await startSoakStack(o.server);
  const load = [loadavg()[0]!];
  try {
    const state: SoakState = { route: 0, size: { width: BENCH_VIDEO.width, height: BENCH_VIDEO.height }, streamKey: 'soak' };
    await startPublisher(stack, state);
    await stack.player.page.evaluate((o) => window.soakPage.startPlayer(o), { src: `${routeUrl(stack, 0)}/${state.streamKey}`, bridge: stack.bridge.url });
    const first = await stack.player.page.evaluate(() => window.soakPage.newFrameAt(20_000));
    if (first === null) throw new Error('the player showed no readable frame within 20 s of its start');
    const t0 = Date.now();
    const rel = (ms: number) => Math.round((ms - t0) / 100) / 10;
    o.log(`soak: playing; ${o.durationS} s from now, a fault every ${o.slotS} s after ${o.warmupS} s (player renderer pid ${stack.player.rendererPid ?? '?'}, publisher ${stack.publisher.rendererPid ?? '?'})`);
    let fault: string | null = null;
    const recorder = new SoakRecorder(stack, t0, () => ({ fault, route: state.route === 0 ? 'A' : 'B' }));
    recorder.start();
    const faults: FaultRecord[] = [];
    const count = Math.max(0, Math.floor((o.durationS - o.warmupS) / o.slotS));
    const warmupSnapshotS = Math.max(1, o.warmupS - WARMUP_SNAPSHOT_LEAD_S);
    await sleep(t0 + warmupSnapshotS * 1000 - Date.now());
    const warmupHeap = await heapSplits(stack, warmupSnapshotS);
    for (let i = 0; i < count; i++) {
      const kind = kinds[i % kinds.length]!;
      const slotStart = t0 + (o.warmupS + i * o.slotS) * 1000;
      const slotEnd = t0 + Math.min(o.durationS, o.warmupS + (i + 1) * o.slotS) * 1000;
      await sleep(slotStart - Date.now());
      fault = kind;
      const timing = await injectFault(kind, stack, state, o.holds);
      const wait = Math.max(1000, slotEnd - Date.now() - 500);
      const [live, publishing] = await Promise.all([
        stack.player.page.evaluate((ms) => window.soakPage.newFrameAt(ms), wait).catch(() => null),
        stack.publisher.page.evaluate((ms) => window.soakPage.publishingAt(ms), wait).catch(() => null),
      ]);
      fault = null;
      const recovered = live !== null && publishing !== null ? Math.max(live, publishing) : null;
      const r: FaultRecord = {
        index: i,
        kind,
        startedAt: rel(timing.startedAt),
        causeGoneAt: rel(timing.causeGoneAt),
        recoveredAt: recovered === null ? null : rel(recovered),
        recoveryMs: recovered === null ? null : recovered - timing.causeGoneAt,
        newFrameAt: live === null ? null : rel(live),
        publishingAt: publishing === null ? null : rel(publishing),
        slotEnd: rel(slotEnd),
        note: timing.note,
      };
      faults.push(r);
      o.log(`  t=${r.startedAt.toFixed(0)} s ${kind}: cause gone after ${(r.causeGoneAt - r.startedAt).toFixed(1)} s, ${r.recoveryMs === null ? `NOT recovered (new frame ${live === null ? 'none' : 'seen'}, publisher ${publishing === null ? 'not publishing' : 'publishing'})` : `recovered in ${Math.round(r.recoveryMs)} ms`}${r.note ? ` (${r.note})` : ''}`);
      load.push(loadavg()[0]!);
    }
    await sleep(t0 + o.durationS * 1000 - Date.now());
    await recorder.stop();
    const endHeap = await heapSplits(stack, o.durationS);
    load.push(loadavg()[0]!);
    const { log: _log, ...options } = o;
    return {
      options,
      startedAt: new Date(t0).toISOString(),
      samples: recorder.samples,
      faults,
      pageErrors: [...stack.pageErrors],
      nodeErrors,
      samplesSkipped: recorder.skipped,
      heapSnapshots: { warmup: warmupHeap, end: endHeap },
      environment: { node: process.version, chromium: await stack.chromium.browser.version(), cores: cpus().length, loadAverage1m: load, server: o.server, video: BENCH_VIDEO },
    };
  } finally {
    await stack.close();
    process.off('unhandledRejection', onNodeError);
    process.off('uncaughtException', onNodeError);
  }
}
