/**
 * The demo's live stats: a tile per metric (current value over a sparkline)
 * and a small table of the rest, for one element's `stats` object, sampled
 * on a timer.
 */
import { Sparkline } from './sparkline.ts';

/** One plotted number. */
export interface MetricSpec<S> {
  label: string;
  /** A second line under the label, saying what exactly is measured (e.g. "arrival → shown"). */
  note?: string;
  /** The tile's tooltip: the longer explanation. */
  title?: string;
  unit: string;
  /** Reads the number from a stats snapshot; undefined (with {@link MetricSpec.optional}): nothing to show now. */
  read(stats: S): number | undefined;
  /** The tile shows only while `read` gives a number (and not without a session); its plot pauses meanwhile. */
  optional?: boolean;
  /** The tile spans the whole row. */
  wide?: boolean;
  /** How many fraction digits to show. */
  digits?: number;
  /** The y axis's smallest top (e.g. 30 for fps). */
  minScale?: number;
  /** CSS custom property of the line colour. */
  colorVar?: string;
}

/** One row of the table under the tiles. */
export interface DetailSpec<S> {
  label: string;
  read(stats: S): string;
}

/** Tiles and a table for one element's stats. */
export class StatsPanel<S> {
  private readonly tiles: { spec: MetricSpec<S>; tile: HTMLElement; value: HTMLElement; spark: Sparkline }[] = [];
  private readonly rows: { spec: DetailSpec<S>; value: HTMLElement }[] = [];

  constructor(tilesHost: HTMLElement, tableHost: HTMLElement, metrics: readonly MetricSpec<S>[], details: readonly DetailSpec<S>[]) {
    for (const spec of metrics) {
      const tile = document.createElement('div');
      tile.className = 'metric';
      const head = document.createElement('div');
      head.className = 'metric-head';
      const label = document.createElement('span');
      label.textContent = spec.label;
      const value = document.createElement('strong');
      value.className = 'metric-value';
      value.textContent = '–';
      head.append(label, value);
      tile.append(head);
      if (spec.note !== undefined) {
        const note = document.createElement('div');
        note.className = 'metric-note muted small';
        note.textContent = spec.note;
        tile.append(note);
      }
      if (spec.title !== undefined) tile.title = spec.title;
      if (spec.wide === true) tile.style.gridColumn = '1 / -1';
      if (spec.optional === true) tile.hidden = true;
      const canvas = document.createElement('canvas');
      canvas.className = 'spark';
      canvas.setAttribute('aria-hidden', 'true');
      if (spec.colorVar) canvas.style.setProperty('--spark-color', `var(${spec.colorVar})`);
      tile.append(canvas);
      tilesHost.append(tile);
      this.tiles.push({ spec, tile, value, spark: new Sparkline(canvas, { minScale: spec.minScale ?? 1, colorVar: '--spark-color' }) });
    }
    for (const spec of details) {
      const dt = document.createElement('dt');
      dt.textContent = spec.label;
      const dd = document.createElement('dd');
      dd.textContent = '–';
      tableHost.append(dt, dd);
      this.rows.push({ spec, value: dd });
    }
  }

  /** Adds one sample from `stats` (or zeros while there is no session) and refreshes the text. */
  sample(stats: S | undefined): void {
    for (const { spec, tile, value, spark } of this.tiles) {
      const read = stats === undefined ? undefined : spec.read(stats);
      const v = read ?? (spec.optional === true ? undefined : 0);
      if (tile.hidden !== (v === undefined)) {
        tile.hidden = v === undefined;
        // A canvas that was hidden has no size: draw it again now that it has one.
        if (v !== undefined) spark.draw();
      }
      if (v === undefined) continue;
      spark.push(v);
      value.innerHTML = '';
      value.append(formatNumber(v, spec.digits ?? 0));
      const unit = document.createElement('small');
      unit.textContent = ` ${spec.unit}`;
      value.append(unit);
    }
    for (const { spec, value } of this.rows) value.textContent = stats === undefined ? '–' : spec.read(stats) || '–';
  }

  /** Redraws every sparkline (after a resize or a theme change). */
  redraw(): void {
    for (const t of this.tiles) t.spark.draw();
  }

  /** Clears the plots. */
  reset(): void {
    for (const t of this.tiles) t.spark.clear();
  }
}

/** A number with thousands separators and a fixed number of fraction digits. */
export function formatNumber(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bytes as B / kB / MB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
