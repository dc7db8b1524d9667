/**
 * Judging a soak run (soak-run.ts): the numbers behind the issue's bar,
 * each criterion with its measured value and PASS/FAIL, and the Markdown
 * tables `npm run soak` prints and docs/performance.md quotes.
 *
 * - delay: glass-to-glass, read from the picture; a second's level is the
 *   median of the new frames' delays in it. A fault's "before" is the median
 *   over the `levelWindowS` seconds before it starts, its "after" the median
 *   over the last `levelWindowS` seconds of its slot (just before the next
 *   fault); the bar: |after − before| ≤ 50 ms.
 * - drift: the least-squares line through every slot's "after" level (and
 *   the warm-up's), its rise over the whole run; the bar: ≤ 50 ms.
 * - recovery: per fault kind, median and max of the time from the cause gone
 *   to the first new frame (with the publisher publishing); the bar: every
 *   fault recovered, max ≤ 3 s.
 * - memory: each series' median over 50–60 s (the end of the first minute)
 *   against its median over the last 10 s; the bar: growth ≤ 10 %. The
 *   workers' JS heap is judged on its objects, from heap snapshots near the
 *   end of the warm-up and at the end (heap-snapshot.ts): the heap's compiled
 *   code grows on its own as fault paths first run, so the series that count
 *   it (`Runtime.getHeapUsage`, measureUserAgentSpecificMemory) are shown,
 *   not judged.
 */
import { quantile } from '../bench/latency-report.ts';
import { FAULT_DESCRIPTIONS, FAULT_KINDS, type FaultKind } from './fault-schedule.ts';
import type { SoakRun } from './soak-run.ts';
import type { SoakMemorySample, SoakSample } from './soak-recorder.ts';

/** The issue's bar. */
export const SOAK_BAR = { recoveryMaxMs: 3000, delayToleranceMs: 50, driftMaxMs: 50, memoryGrowthMax: 0.1 } as const;

/** One criterion as judged. */
export interface Criterion {
  name: string;
  measured: string;
  pass: boolean;
  /** False: shown for information, not part of the verdict (printed INFO). */
  judged?: false;
}

/** One fault's delay before and after. */
export interface FaultDelay {
  index: number;
  kind: FaultKind;
  beforeMs: number | null;
  afterMs: number | null;
  /** Seconds from recovery until the per-second level was back within the tolerance of `beforeMs` (null: never in its slot). */
  backAfterS: number | null;
}

/** Per kind: how many, how many recovered, and the recovery times. */
export interface KindSummary {
  kind: FaultKind;
  count: number;
  recovered: number;
  recoveryMedianMs: number | null;
  recoveryMaxMs: number | null;
  /** The largest |after − before| delay change over its faults, ms. */
  worstDelayChangeMs: number | null;
}

/** One memory series, first minute against the end. */
export interface MemorySummary {
  series: string;
  firstMinuteBytes: number | null;
  endBytes: number | null;
  growth: number | null;
  /** False: shown, not judged (the series counts V8's compiled code). */
  judged: boolean;
}

/** Everything judged. */
export interface SoakVerdict {
  criteria: Criterion[];
  pass: boolean;
  kinds: KindSummary[];
  delays: FaultDelay[];
  memory: MemorySummary[];
  /** Per-second delay levels (median of that second's new frames), ms, null where none. */
  delayLevels: { t: number; ms: number | null }[];
  driftMs: number | null;
  workerDeaths: string[];
  uncaughtErrors: string[];
  /** Element error events by element and code (non-fatal ones are expected during faults). */
  errorCounts: Record<string, number>;
  levelWindowS: number;
}

/** The median by nearest rank (the bench's quantile), null for none. */
const median = (xs: readonly number[]): number | null => quantile(xs, 0.5);

/** The median delay of the new frames seen in samples with t in [from, to). */
function delayIn(samples: SoakSample[], from: number, to: number): number | null {
  return median(samples.filter((s) => s.t >= from && s.t < to).flatMap((s) => s.player?.delaysMs ?? []));
}

/** The memory series sampled every second, by name; `judged: false` for those that count compiled code. */
const MEMORY_SERIES: { name: string; judged: boolean; get(m: SoakMemorySample): number | null }[] = [
  { name: 'player renderer RSS', judged: true, get: (m) => m.playerRendererRss },
  { name: 'publisher renderer RSS', judged: true, get: (m) => m.publisherRendererRss },
  { name: 'player workers JS heap', judged: false, get: (m) => m.playerWorkersHeap },
  { name: 'publisher workers JS heap', judged: false, get: (m) => m.publisherWorkersHeap },
  { name: 'player tab (measureUserAgentSpecificMemory)', judged: false, get: (m) => (m.playerUa && 'bytes' in m.playerUa ? m.playerUa.bytes : null) },
  { name: 'publisher tab (measureUserAgentSpecificMemory)', judged: false, get: (m) => (m.publisherUa && 'bytes' in m.publisherUa ? m.publisherUa.bytes : null) },
  { name: 'bridge RSS', judged: true, get: (m) => m.bridgeRss },
];

/** The heap-snapshot rows: each tab's workers' objects (judged) and compiled code (shown). */
function snapshotSummaries(run: SoakRun): MemorySummary[] {
  const h = run.heapSnapshots;
  if (h === undefined) return [];
  const rows: MemorySummary[] = [];
  for (const tab of ['player', 'publisher'] as const) {
    for (const part of ['objectBytes', 'codeBytes'] as const) {
      const first = h.warmup[tab]?.[part] ?? null;
      const end = h.end[tab]?.[part] ?? null;
      rows.push({
        series: `${tab} workers ${part === 'objectBytes' ? 'JS objects' : 'compiled code'} (heap snapshots at ${h.warmup.t} s and the end)`,
        firstMinuteBytes: first,
        endBytes: end,
        growth: first !== null && end !== null && first > 0 ? end / first - 1 : null,
        judged: part === 'objectBytes',
      });
    }
  }
  return rows;
}

/** The names of the memory series, in table order (for the plot). */
export const MEMORY_SERIES_NAMES = MEMORY_SERIES.map((s) => s.name);

/** A memory series' values over the run. */
export function memorySeries(run: SoakRun, name: string): { t: number; bytes: number }[] {
  const get = MEMORY_SERIES.find((s) => s.name === name)?.get;
  if (!get) return [];
  return run.samples.flatMap((s) => {
    const v = get(s.memory);
    return v === null ? [] : [{ t: s.t, bytes: v }];
  });
}

/** The least-squares slope of y over x (null with fewer than 2 points). */
function slope(points: { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

/** Judges a run against {@link SOAK_BAR}. */
export function judgeSoak(run: SoakRun): SoakVerdict {
  const { samples, faults } = run;
  const { slotS, warmupS, durationS } = run.options;
  const levelWindowS = Math.max(2, Math.min(10, Math.floor(slotS / 4)));
  const tol = SOAK_BAR.delayToleranceMs;

  const delayLevels = samples.map((s) => ({ t: s.t, ms: median(s.player?.delaysMs ?? []) }));
  const delays: FaultDelay[] = faults.map((f) => {
    const beforeMs = delayIn(samples, f.startedAt - levelWindowS, f.startedAt);
    const afterMs = delayIn(samples, f.slotEnd - levelWindowS, f.slotEnd);
    let backAfterS: number | null = null;
    if (beforeMs !== null && f.recoveredAt !== null) {
      const back = delayLevels.find((l) => l.t >= f.recoveredAt! && l.t < f.slotEnd && l.ms !== null && Math.abs(l.ms - beforeMs) <= tol);
      backAfterS = back ? Math.round((back.t - f.recoveredAt) * 10) / 10 : null;
    }
    return { index: f.index, kind: f.kind, beforeMs, afterMs, backAfterS };
  });

  const kinds: KindSummary[] = FAULT_KINDS.map((kind) => {
    const of = faults.filter((f) => f.kind === kind);
    const times = of.flatMap((f) => (f.recoveryMs === null ? [] : [f.recoveryMs]));
    const changes = delays.filter((d) => d.kind === kind && d.beforeMs !== null && d.afterMs !== null).map((d) => d.afterMs! - d.beforeMs!);
    const worst = changes.length === 0 ? null : changes.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
    return {
      kind,
      count: of.length,
      recovered: times.length,
      recoveryMedianMs: median(times),
      recoveryMaxMs: times.length === 0 ? null : Math.max(...times),
      worstDelayChangeMs: worst,
    };
  }).filter((k) => k.count > 0);

  // Drift: the settled level at the end of the warm-up and of every slot.
  const settled = [{ x: warmupS, y: delayIn(samples, warmupS - levelWindowS, warmupS) }, ...faults.map((f, i) => ({ x: f.slotEnd, y: delays[i]!.afterMs }))]
    .filter((p): p is { x: number; y: number } => p.y !== null);
  const perS = slope(settled);
  const driftMs = perS === null ? null : perS * durationS;

  const memory: MemorySummary[] = MEMORY_SERIES.map(({ name, judged }) => {
    const series = memorySeries(run, name);
    const firstMinuteBytes = median(series.filter((p) => p.t >= 50 && p.t < 60).map((p) => p.bytes));
    const endBytes = median(series.filter((p) => p.t >= durationS - 10).map((p) => p.bytes));
    const growth = firstMinuteBytes !== null && endBytes !== null && firstMinuteBytes > 0 ? endBytes / firstMinuteBytes - 1 : null;
    return { series: name, firstMinuteBytes, endBytes, growth, judged };
  });
  memory.push(...snapshotSummaries(run));

  const allErrors = samples.flatMap((s) => s.errors);
  const errorCounts: Record<string, number> = {};
  for (const e of allErrors) {
    const key = `${e.element} ${e.code}${e.fatal ? ' (fatal)' : ''}`;
    errorCounts[key] = (errorCounts[key] ?? 0) + 1;
  }
  const workerDeaths = allErrors.filter((e) => e.code === 'WORKER_ERROR').map((e) => `${e.element}: ${e.message}`);
  workerDeaths.push(...run.pageErrors.filter((e) => e.includes(' crashed: ')));
  const uncaughtErrors = [...run.pageErrors.filter((e) => !e.includes(' crashed: ')), ...run.nodeErrors];

  const criteria: Criterion[] = [];
  criteria.push({ name: 'worker deaths', measured: String(workerDeaths.length), pass: workerDeaths.length === 0 });
  criteria.push({ name: 'uncaught errors (both tabs, Node)', measured: String(uncaughtErrors.length), pass: uncaughtErrors.length === 0 });
  const fatal = allErrors.filter((e) => e.fatal);
  criteria.push({ name: 'fatal element errors', measured: fatal.length === 0 ? '0' : `${fatal.length}: ${[...new Set(fatal.map((e) => `${e.element} ${e.code}`))].join(', ')}`, pass: fatal.length === 0 });
  for (const k of kinds) {
    criteria.push({
      name: `${k.kind}: recovered, max ≤ ${SOAK_BAR.recoveryMaxMs / 1000} s`,
      measured: `${k.recovered}/${k.count}, median ${fmtMs(k.recoveryMedianMs)}, max ${fmtMs(k.recoveryMaxMs)}`,
      pass: k.recovered === k.count && k.recoveryMaxMs !== null && k.recoveryMaxMs <= SOAK_BAR.recoveryMaxMs,
    });
  }
  for (const k of kinds) {
    const of = delays.filter((d) => d.kind === k.kind);
    const ok = of.every((d) => d.beforeMs !== null && d.afterMs !== null && Math.abs(d.afterMs - d.beforeMs) <= tol);
    criteria.push({
      name: `${k.kind}: delay back within ${tol} ms of before`,
      measured: of.map((d) => `${fmtMs(d.beforeMs)} → ${fmtMs(d.afterMs)}`).join('; '),
      pass: ok,
    });
  }
  criteria.push({ name: `delay drift over the run ≤ ${SOAK_BAR.driftMaxMs} ms`, measured: driftMs === null ? 'not measured' : `${signed(driftMs)} ms (${settled.length} settled levels)`, pass: driftMs !== null && driftMs <= SOAK_BAR.driftMaxMs });
  for (const m of memory) {
    const shown = m.judged ? {} : { judged: false as const };
    if (m.growth === null) {
      criteria.push({ name: `${m.series}: end ≤ first minute + 10 %`, measured: 'not measured', pass: false, ...shown });
      continue;
    }
    criteria.push({
      name: `${m.series}: end ≤ first minute + 10 %`,
      measured: `${fmtMB(m.firstMinuteBytes)} → ${fmtMB(m.endBytes)} (${signed(m.growth * 100, 1)} %)${m.judged ? '' : ', not judged: counts compiled code'}`,
      pass: m.growth <= SOAK_BAR.memoryGrowthMax,
      ...shown,
    });
  }
  return { criteria, pass: criteria.every((c) => c.pass || c.judged === false), kinds, delays, memory, delayLevels, driftMs, workerDeaths, uncaughtErrors, errorCounts, levelWindowS };
}

function fmtMs(ms: number | null): string {
  return ms === null ? '—' : `${Math.round(ms)} ms`;
}

function fmtMB(b: number | null): string {
  return b === null ? '—' : `${(b / 1048576).toFixed(b < 10 * 1048576 ? 2 : 1)} MB`;
}

function signed(x: number, digits = 0): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
}

/** The per-kind table (Markdown). */
export function faultTable(v: SoakVerdict): string {
  const rows = [
    '| fault | what it does | faults | recovered | recovery median | recovery max | delay before → after (worst change) |',
    '| --- | --- | --: | --: | --: | --: | --- |',
  ];
  for (const k of v.kinds) {
    const of = v.delays.filter((d) => d.kind === k.kind);
    const worst = of.reduce<FaultDelay | null>((w, d) => {
      if (d.beforeMs === null || d.afterMs === null) return w;
      if (w === null || w.beforeMs === null || w.afterMs === null) return d;
      return Math.abs(d.afterMs - d.beforeMs) > Math.abs(w.afterMs - w.beforeMs) ? d : w;
    }, null);
    const delay = worst === null ? '—' : `${fmtMs(worst.beforeMs)} → ${fmtMs(worst.afterMs)} (${signed(worst.afterMs! - worst.beforeMs!)} ms)`;
    rows.push(`| ${k.kind} | ${FAULT_DESCRIPTIONS[k.kind]} | ${k.count} | ${k.recovered} | ${fmtMs(k.recoveryMedianMs)} | ${fmtMs(k.recoveryMaxMs)} | ${delay} |`);
  }
  return rows.join('\n');
}

/** The memory table (Markdown). */
export function memoryTable(v: SoakVerdict): string {
  const rows = ['| memory | after the first minute (50–60 s) | last 10 s | change | judged |', '| --- | --: | --: | --: | --- |'];
  for (const m of v.memory) {
    rows.push(`| ${m.series} | ${fmtMB(m.firstMinuteBytes)} | ${fmtMB(m.endBytes)} | ${m.growth === null ? '—' : `${signed(m.growth * 100, 1)} %`} | ${m.judged ? 'yes' : 'no: counts compiled code'} |`);
  }
  return rows.join('\n');
}

/** The criteria, one a line, PASS/FAIL first. */
export function criteriaLines(v: SoakVerdict): string {
  return v.criteria.map((c) => `${c.judged === false ? 'INFO' : c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.measured}`).join('\n');
}
