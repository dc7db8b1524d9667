/**
 * The `renditions` attribute: extra video renditions as `width×height@kbps`,
 * comma-separated (`640x360@800,320x180@300`), read into settings, with the
 * reason when a value cannot be used.
 */
import type { RenditionSettings } from './worker-protocol.ts';

/** Most extra renditions a publisher encodes (each is a whole encoder). */
const MAX_RENDITIONS = 4;

/** Reads the `renditions` attribute: the renditions, or why it cannot be read. */
export function parseRenditions(value: string): RenditionSettings[] | string {
  const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length > MAX_RENDITIONS) return `at most ${MAX_RENDITIONS} renditions, got ${parts.length}`;
  const out: RenditionSettings[] = [];
  for (const p of parts) {
    const m = /^(\d+)x(\d+)@(\d+)$/.exec(p);
    if (m === null) return `"${p}" is not width×height@kbps (e.g. 640x360@800)`;
    const [width, height, bitrateKbps] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (width < 16 || height < 16 || width > 7680 || height > 4320 || width % 2 !== 0 || height % 2 !== 0) return `"${p}": width and height must be even, 16 to 7680×4320`;
    if (bitrateKbps < 50) return `"${p}": at least 50 kbps`;
    out.push({ width, height, bitrateKbps });
  }
  return out;
}

