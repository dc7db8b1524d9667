/**
 * FFmpeg's noise generator, as its Nellymoser decoder uses it: libavutil's
 * additive lagged Fibonacci generator (x[n] = x[n−24] + x[n−55] mod 2^32,
 * 64 words of state) seeded with 0, where seeding fills words 8..63 with
 * successive MD5 digests of (seed, i) as `av_lfg_init` does.
 *
 * Test-only: the Nellymoser format leaves the noise fill's signs random, so
 * to compare our decoder with FFmpeg's sample by sample the tests hand this
 * to {@link NellymoserDecoder}'s `noise` option.
 */
import { createHash } from 'node:crypto';

/** A generator of 32-bit values with FFmpeg's sequence for `seed`. */
export function ffmpegLfg(seed = 0): () => number {
  const state = new Uint32Array(64);
  const block = Buffer.alloc(16);
  for (let i = 8; i < 64; i += 4) {
    // The 16-byte block carries over from one digest to the next; only its first 5 bytes are rewritten.
    block.writeUInt32LE(seed >>> 0, 0);
    block[4] = i;
    const digest = createHash('md5').update(block).digest();
    digest.copy(block);
    for (let w = 0; w < 4; w++) state[i + w] = digest.readUInt32LE(4 * w);
  }
  let index = 0;
  return () => {
    const v = (state[(index - 24) & 63]! + state[(index - 55) & 63]!) >>> 0;
    state[index & 63] = v;
    index++;
    return v;
  };
}
