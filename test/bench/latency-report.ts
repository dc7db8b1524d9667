/**
 * The glass-to-glass benchmark's numbers: each measured cell summarized
 * (median and p95 latency, frames shown, drops, join age, A/V offset), the
 * ratios to mpegts.js and FFmpeg in the same row group, and the two tables
 * it prints (the same Markdown goes into docs/performance.md).
 */
import type { DisplayMeasurement } from './bench-protocol.ts';

/** The players measured, in table order. */
export type PlayerName = 'rtmp-player auto' | 'rtmp-player 0' | 'rtmp-player 300' | 'rtmp-player 1000' | 'mpegts.js' | 'ffmpeg';

/** The publishers. */
export type SourceName = 'rtmp-publisher' | 'ffmpeg';

/** One cell: a player playing one source, with or without audio. */
export interface CellResult {
  source: SourceName;
  audio: boolean;
  player: PlayerName;
  measurement: DisplayMeasurement;
}

/** What the table shows for a cell. */
export interface CellSummary {
  medianMs: number | null;
  p95Ms: number | null;
  /** Distinct codes shown per second in the window (30 = every frame). */
  shownFps: number;
  /** The player's own drop count over the window (stats.framesDropped, or getVideoPlaybackQuality). */
  dropped: number | null;
  /** `<rtmp-player>`: frames skipped since it was created (join through a GOP-cache burst). */
  skipped: number | null;
  joinAgeMs: number | null;
  /** Share of display ticks in the window with no readable code, and with a black strip. */
  unreadableShare: number;
  blackShare: number;
  /** Median stats.avSyncMs over the window, and median target and player delay. */
  avSyncMs: number | null;
  targetLatencyMs: number | null;
  playerDelayMs: number | null;
  /** Median latency ÷ that of mpegts.js and of FFmpeg for the same source and audio. */
  vsMpegts: number | null;
  vsFfmpeg: number | null;
}

/** The q-quantile (0..1) by nearest rank; null for no samples. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Summaries of all cells, ratios filled in from their row groups. */
export function summarize(cells: readonly CellResult[]): CellSummary[] {
  const base = cells.map((c): CellSummary => {
    const m = c.measurement;
    const p = m.player;
    return {
      medianMs: quantile(m.latenciesMs, 0.5),
      p95Ms: quantile(m.latenciesMs, 0.95),
      shownFps: m.windowMs > 0 ? (m.distinctFrames * 1000) / m.windowMs : 0,
      dropped: p.framesDropped ?? null,
      skipped: p.framesSkippedTotal ?? null,
      joinAgeMs: m.joinAgeMs,
      unreadableShare: m.ticks > 0 ? m.unreadableTicks / m.ticks : 1,
      blackShare: m.ticks > 0 ? m.blackTicks / m.ticks : 0,
      avSyncMs: c.audio ? quantile(p.avSyncMs ?? [], 0.5) : null,
      targetLatencyMs: quantile(p.targetLatencyMs ?? [], 0.5),
      playerDelayMs: quantile(p.playerDelayMs ?? [], 0.5),
      vsMpegts: null,
      vsFfmpeg: null,
    };
  });
  const medianOf = (source: SourceName, audio: boolean, player: PlayerName) => {
    const i = cells.findIndex((c) => c.source === source && c.audio === audio && c.player === player);
    return i < 0 ? null : base[i]!.medianMs;
  };
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b <= 0 ? null : a / b);
  cells.forEach((c, i) => {
    base[i]!.vsMpegts = ratio(base[i]!.medianMs, medianOf(c.source, c.audio, 'mpegts.js'));
    base[i]!.vsFfmpeg = ratio(base[i]!.medianMs, medianOf(c.source, c.audio, 'ffmpeg'));
  });
  return base;
}

const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)}`);
const times = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)}×`);

/** A Markdown table from a header and rows. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The latency table: one row per cell. */
export function latencyTable(cells: readonly CellResult[], summaries: readonly CellSummary[]): string {
  const rows = cells.map((c, i) => {
    const s = summaries[i]!;
    const unread = s.unreadableShare > 0.005 ? ` (${Math.round(s.unreadableShare * 100)}% unreadable${s.blackShare > 0.005 ? `, ${Math.round(s.blackShare * 100)}% black` : ''})` : '';
    return [
      c.source,
      c.audio ? 'tone' : 'none',
      c.player,
      ms(s.medianMs),
      ms(s.p95Ms),
      `${s.shownFps.toFixed(1)}${unread}`,
      s.dropped === null ? '—' : String(s.dropped),
      s.skipped === null ? '—' : String(s.skipped),
      ms(s.joinAgeMs),
      times(s.vsMpegts),
      times(s.vsFfmpeg),
      ms(s.avSyncMs),
      s.targetLatencyMs === null ? '—' : `${ms(s.targetLatencyMs)} / ${ms(s.playerDelayMs)}`,
    ];
  });
  return table(
    ['source', 'audio', 'player', 'median ms', 'p95 ms', 'shown fps', 'dropped', 'skipped', 'join age ms', '× mpegts.js', '× ffmpeg', 'A/V ms', 'target / delay ms'],
    rows,
  );
}

/** Time-to-first-frame starts of one player. */
export interface FirstFrameRun {
  /** The player, and how it started: `created` (created and played at once) or `waited` (in the page 1 s, then play()). */
  player: PlayerName;
  start: 'created' | 'waited';
  /** ms per start; null: no readable frame before the timeout. */
  firstFrameMs: (number | null)[];
  joinAgeMs: (number | null)[];
  /** `<rtmp-player>`: its own `stats.startup` per start. */
  startup: Record<string, number>[];
}

/** The time-to-first-frame table; ours also gets the medians of its own `stats.startup` steps. */
export function firstFrameTable(runs: readonly FirstFrameRun[]): string {
  const ok = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const steps = ['workerMs', 'connectedMs', 'playStartMs', 'firstMediaMs', 'firstFrameMs'];
  const step = (r: FirstFrameRun, k: string) => (r.startup.length === 0 ? '—' : ms(quantile(r.startup.map((s) => s[k] ?? NaN).filter(Number.isFinite), 0.5)));
  return table(
    ['player', 'starts ok', 'median ms', 'p95 ms', 'join age median ms', 'its own steps, medians: worker / connected / Play.Start / first media / first frame ms'],
    runs.map((r) => [
      r.start === 'waited' ? `${r.player}, play() 1 s after insertion` : r.player,
      `${ok(r.firstFrameMs).length}/${r.firstFrameMs.length}`,
      ms(quantile(ok(r.firstFrameMs), 0.5)),
      ms(quantile(ok(r.firstFrameMs), 0.95)),
      ms(quantile(ok(r.joinAgeMs), 0.5)),
      r.startup.length === 0 ? '—' : steps.map((k) => step(r, k)).join(' / '),
    ]),
  );
}
