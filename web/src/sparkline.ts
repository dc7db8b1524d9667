/**
 * A tiny canvas sparkline: the last N samples of one number, as a line over
 * a soft fill, scaled to the largest value seen in the window. No chart
 * library; colours come from CSS custom properties so it follows the theme.
 */

/** Options for a {@link Sparkline}. */
export interface SparklineOptions {
  /** Samples kept (one per tick). */
  capacity?: number;
  /** The y axis never shrinks below this, so a flat low line stays low. */
  minScale?: number;
  /** CSS custom property holding the line colour. */
  colorVar?: string;
}

/** One sparkline drawn into a `<canvas>`; call {@link Sparkline.push} per tick. */
export class Sparkline {
  private readonly values: number[] = [];
  private readonly capacity: number;
  private readonly minScale: number;
  private readonly colorVar: string;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    options: SparklineOptions = {},
  ) {
    this.capacity = options.capacity ?? 120;
    this.minScale = options.minScale ?? 1;
    this.colorVar = options.colorVar ?? '--accent';
  }

  /** Adds a sample (non-finite values count as 0) and redraws. */
  push(value: number): void {
    this.values.push(Number.isFinite(value) ? Math.max(0, value) : 0);
    if (this.values.length > this.capacity) this.values.shift();
    this.draw();
  }

  /** Forgets every sample. */
  clear(): void {
    this.values.length = 0;
    this.draw();
  }

  /** Redraws at the canvas's current CSS size and device pixel ratio. */
  draw(): void {
    const { canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    const style = getComputedStyle(canvas);
    const color = style.getPropertyValue(this.colorVar).trim() || '#7c6cff';
    const grid = style.getPropertyValue('--spark-grid').trim() || 'rgba(127,127,127,0.15)';

    // A baseline and a midline.
    ctx.strokeStyle = grid;
    ctx.lineWidth = dpr;
    ctx.beginPath();
    ctx.moveTo(0, h - dpr / 2);
    ctx.lineTo(w, h - dpr / 2);
    ctx.moveTo(0, Math.round(h / 2) + 0.5);
    ctx.lineTo(w, Math.round(h / 2) + 0.5);
    ctx.stroke();

    const n = this.values.length;
    if (n < 2) return;
    const max = Math.max(this.minScale, ...this.values) * 1.15;
    const pad = 2 * dpr;
    const x = (i: number) => (i + this.capacity - n) * (w / (this.capacity - 1));
    const y = (v: number) => h - pad - (v / max) * (h - 2 * pad);

    ctx.beginPath();
    this.values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.lineJoin = 'round';
    ctx.lineWidth = 1.75 * dpr;
    ctx.strokeStyle = color;
    ctx.stroke();

    ctx.lineTo(x(n - 1), h);
    ctx.lineTo(x(0), h);
    ctx.closePath();
    const fill = ctx.createLinearGradient(0, 0, 0, h);
    fill.addColorStop(0, withAlpha(color, 0.28));
    fill.addColorStop(1, withAlpha(color, 0));
    ctx.fillStyle = fill;
    ctx.fill();

    // The newest point.
    const last = this.values[n - 1] ?? 0;
    ctx.beginPath();
    ctx.arc(x(n - 1) - 2 * dpr, y(last), 2.5 * dpr, 0, Math.PI * 2);
    ctx.fillStyle = color;
    ctx.fill();
  }
}

/** `#rrggbb` (or any other colour, unchanged) with an alpha. */
function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return `rgba(${parseInt(m[1] ?? '0', 16)}, ${parseInt(m[2] ?? '0', 16)}, ${parseInt(m[3] ?? '0', 16)}, ${alpha})`;
}
