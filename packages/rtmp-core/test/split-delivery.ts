/**
 * Ways to cut one byte stream into pushes, so every resumable parser is tested
 * whole, one byte at a time, and at random points, and must give the same output.
 */

/** A deterministic PRNG (mulberry32), for repeatable random splits. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Named ways to split a byte stream into pushes. */
export const splitters: Record<string, (b: Uint8Array) => Uint8Array[]> = {
  whole: (b) => [b],
  'one byte at a time': (b) => Array.from(b, (_, i) => b.subarray(i, i + 1)),
  'random points': (b) => {
    const rnd = seededRandom(b.length * 31 + 7);
    const out: Uint8Array[] = [];
    for (let i = 0; i < b.length; ) {
      const n = 1 + Math.floor(rnd() * 97);
      out.push(b.slice(i, i + n)); // copies, so views into one push never cross pushes
      i += n;
    }
    return out;
  },
};
