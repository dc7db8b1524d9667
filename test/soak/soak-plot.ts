/**
 * The soak's plot, as a hand-written SVG: the glass-to-glass delay (each
 * second's median) over the run above, the memory series below, both on one
 * time axis, with each fault shaded from its start to the moment its cause
 * was gone and labelled with its kind.
 */
import type { SoakRun } from './soak-run.ts';
import { MEMORY_SERIES_NAMES, memorySeries, type SoakVerdict } from './soak-report.ts';

const W = 1100;
const LEFT = 70;
const RIGHT = 20;
const PANEL = 240;
const GAP = 70;
const TOP = 40;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^n at or above `max`. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** A polyline through the points, broken where a point is missing. */
function path(points: { x: number; y: number | null }[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.y === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** At most `n` points: the series cut into `n` runs, each drawn as its largest value (a spike stays visible), gaps kept. */
function thin<T extends { t: number }>(points: T[], n: number, value: (p: T) => number | null): { t: number; v: number | null }[] {
  if (points.length <= n) return points.map((p) => ({ t: p.t, v: value(p) }));
  const k = Math.ceil(points.length / n);
  const out: { t: number; v: number | null }[] = [];
  for (let i = 0; i < points.length; i += k) {
    const run = points.slice(i, i + k);
    const vs = run.map(value).filter((v): v is number => v !== null);
    out.push({ t: run[0]!.t, v: vs.length === 0 ? null : Math.max(...vs) });
  }
  return out;
}

/** Points drawn per series (a 60-minute run has 3600 samples a series). */
const MAX_POINTS = 900;

/** The SVG document. */
export function soakPlot(run: SoakRun, verdict: SoakVerdict): string {
  const duration = run.options.durationS;
  const plotW = W - LEFT - RIGHT;
  const x = (t: number) => LEFT + (t / duration) * plotW;
  const top1 = TOP;
  const top2 = TOP + PANEL + GAP;
  const H = top2 + PANEL + 90;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${LEFT}" y="20" font-size="14">${esc(`npm run soak: ${run.environment.server === 'nms' ? 'node-media-server' : 'nginx-rtmp'}, ${Math.round(duration / 60)} min, ${run.startedAt}`)}</text>`);

  // Fault bands and labels across both panels.
  for (const f of run.faults) {
    const x0 = x(f.startedAt);
    const x1 = Math.max(x0 + 1, x(f.causeGoneAt));
    out.push(`<rect x="${x0.toFixed(1)}" y="${top1}" width="${(x1 - x0).toFixed(1)}" height="${top2 + PANEL - top1}" fill="${f.recoveryMs === null ? '#f4b6b6' : '#e3e3e3'}"/>`);
    out.push(`<text transform="translate(${(x0 + 3).toFixed(1)},${top1 + 4}) rotate(90)" fill="#555" font-size="9">${esc(f.kind)}</text>`);
  }

  // Delay panel.
  // The axis stops at the 95th percentile × 1.5: the few seconds above (a stall's backlog, a bandwidth cut) are drawn at the top.
  const delays = thin(verdict.delayLevels, MAX_POINTS, (d) => d.ms);
  const sorted = delays.flatMap((d) => (d.v === null ? [] : [d.v])).sort((a, b) => a - b);
  const dMax = niceMax(Math.max(100, 1.5 * (sorted[Math.floor(sorted.length * 0.95)] ?? 0)));
  const yd = (ms: number) => top1 + PANEL - (Math.min(ms, dMax) / dMax) * PANEL;
  axes(out, top1, dMax, 'glass-to-glass delay, ms (median of each second; above the axis: drawn at the top)', duration, x, (v) => String(Math.round(v)));
  out.push(`<path d="${path(delays.map((d) => ({ x: x(d.t), y: d.v === null ? null : yd(d.v) })))}" fill="none" stroke="#1f77b4" stroke-width="1.2"/>`);

  // Memory panel.
  const series = MEMORY_SERIES_NAMES.map((name) => ({ name, points: thin(memorySeries(run, name), MAX_POINTS, (p) => p.bytes / 1048576) })).filter((s) => s.points.length > 0);
  const mMax = niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p.v ?? 0)), 1));
  const ym = (mb: number) => top2 + PANEL - (mb / mMax) * PANEL;
  axes(out, top2, mMax, 'memory, MB', duration, x, (v) => String(Math.round(v)));
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    out.push(`<path d="${path(s.points.map((p) => ({ x: x(p.t), y: p.v === null ? null : ym(p.v) })))}" fill="none" stroke="${colour}" stroke-width="1.2"/>`);
    const lx = LEFT + (i % 3) * 330;
    const ly = top2 + PANEL + 40 + Math.floor(i / 3) * 16;
    out.push(`<rect x="${lx}" y="${ly - 8}" width="14" height="3" fill="${colour}"/><text x="${lx + 20}" y="${ly - 3}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A panel's frame, y ticks and label, and the time ticks under it. */
function axes(out: string[], top: number, max: number, label: string, duration: number, x: (t: number) => number, fmt: (v: number) => string): void {
  out.push(`<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${LEFT}" y="${top - 6}">${esc(label)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = top + PANEL - (PANEL * i) / 4;
    out.push(`<line x1="${LEFT - 4}" x2="${W - RIGHT}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${LEFT - 8}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  const step = duration > 1200 ? 300 : duration > 300 ? 60 : 10;
  for (let t = 0; t <= duration; t += step) {
    out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top + PANEL}" y2="${top + PANEL + 4}" stroke="#888"/><text x="${x(t)}" y="${top + PANEL + 16}" text-anchor="middle">${step >= 60 ? `${t / 60} min` : `${t} s`}</text>`);
  }
}
