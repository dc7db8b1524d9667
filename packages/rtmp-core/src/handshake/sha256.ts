/**
 * A small synchronous SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).
 *
 * Why not WebCrypto: `crypto.subtle.digest` and `crypto.subtle.sign` are
 * async-only, and the digest handshake (RTMP 1.0 §5.2, Flash Player 9
 * extension) is driven by a synchronous `receive()`; making it async would
 * make every layer above it async for the sake of ~10 HMACs per connection.
 * The handshake hashes about 10 KB in total, so speed does not matter here;
 * this favours plain, checkable code over unrolled loops.
 *
 * Not for secrets: the RTMP handshake "keys" are public constants, and this
 * implementation makes no attempt at constant-time behaviour.
 */

// First 32 bits of the fractional parts of the cube roots of the first 64
// primes (FIPS 180-4 §4.2.2).
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// Initial hash value: first 32 bits of the fractional parts of the square
// roots of the first 8 primes (FIPS 180-4 §5.3.3).
const H0 = new Uint32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** SHA-256 block size in bytes; also the HMAC key block size. */
export const SHA256_BLOCK_SIZE = 64;
/** SHA-256 digest length in bytes. */
export const SHA256_DIGEST_SIZE = 32;

/**
 * An incremental SHA-256 hasher: `new Sha256().update(a).update(b).digest()`.
 * Each instance hashes one message; `digest()` ends it.
 */
export class Sha256 {
  private readonly h = new Uint32Array(H0);
  private readonly w = new Uint32Array(64);
  private readonly block = new Uint8Array(SHA256_BLOCK_SIZE);
  // Bytes waiting in `block`.
  private blockLength = 0;
  // Total message length in bytes (a double holds up to 2^53 exactly).
  private totalLength = 0;
  private finished = false;

  /** Feeds more message bytes. Throws if `digest()` was already called. */
  update(data: Uint8Array): this {
    if (this.finished) throw new TypeError('Sha256.update: digest() was already called');
    let i = 0;
    const n = data.length;
    this.totalLength += n;
    // Top up a partial block first.
    if (this.blockLength > 0) {
      const take = Math.min(SHA256_BLOCK_SIZE - this.blockLength, n);
      this.block.set(data.subarray(0, take), this.blockLength);
      this.blockLength += take;
      i = take;
      if (this.blockLength < SHA256_BLOCK_SIZE) return this;
      this.compress(this.block, 0);
      this.blockLength = 0;
    }
    // Whole blocks straight from the input, no copy.
    for (; i + SHA256_BLOCK_SIZE <= n; i += SHA256_BLOCK_SIZE) this.compress(data, i);
    if (i < n) {
      this.block.set(data.subarray(i), 0);
      this.blockLength = n - i;
    }
    return this;
  }

  /** Finishes the message and returns its 32-byte digest. */
  digest(): Uint8Array {
    if (this.finished) throw new TypeError('Sha256.digest: digest() was already called');
    this.finished = true;
    // Padding (FIPS 180-4 §5.1.1): 0x80, zeros, then the length in bits as a
    // 64-bit big-endian integer, ending on a block boundary.
    const bitsHi = Math.floor(this.totalLength / 0x20000000) >>> 0;
    const bitsLo = (this.totalLength * 8) >>> 0;
    const b = this.block;
    b[this.blockLength++] = 0x80;
    if (this.blockLength > SHA256_BLOCK_SIZE - 8) {
      b.fill(0, this.blockLength);
      this.compress(b, 0);
      this.blockLength = 0;
    }
    b.fill(0, this.blockLength, SHA256_BLOCK_SIZE - 8);
    putU32(b, 56, bitsHi);
    putU32(b, 60, bitsLo);
    this.compress(b, 0);
    const out = new Uint8Array(SHA256_DIGEST_SIZE);
    for (let j = 0; j < 8; j++) putU32(out, j * 4, this.h[j]!);
    return out;
  }

  // The compression function (FIPS 180-4 §6.2.2) over data[off..off+64).
  private compress(data: Uint8Array, off: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++) {
      const o = off + t * 4;
      w[t] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    const h = this.h;
    let a = h[0]!;
    let b = h[1]!;
    let c = h[2]!;
    let d = h[3]!;
    let e = h[4]!;
    let f = h[5]!;
    let g = h[6]!;
    let hh = h[7]!;
    for (let t = 0; t < 64; t++) {
      const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[t]! + w[t]!) | 0;
      const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    // Uint32Array stores modulo 2^32, so plain addition is enough.
    h[0] = h[0]! + a;
    h[1] = h[1]! + b;
    h[2] = h[2]! + c;
    h[3] = h[3]! + d;
    h[4] = h[4]! + e;
    h[5] = h[5]! + f;
    h[6] = h[6]! + g;
    h[7] = h[7]! + hh;
  }
}

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** SHA-256 of `data` in one call. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}

/**
 * HMAC-SHA256 (RFC 2104, test vectors in RFC 4231).
 *
 * `data` may be given as several parts, hashed as if concatenated: the RTMP
 * digest handshake signs a 1536-byte packet minus the 32 bytes where the
 * digest itself goes, which is two parts.
 */
export function hmacSha256(key: Uint8Array, data: Uint8Array | readonly Uint8Array[]): Uint8Array {
  // Keys longer than a block are hashed first; shorter ones are zero-padded.
  const k = new Uint8Array(SHA256_BLOCK_SIZE);
  k.set(key.length > SHA256_BLOCK_SIZE ? sha256(key) : key);
  const pad = new Uint8Array(SHA256_BLOCK_SIZE);
  for (let i = 0; i < SHA256_BLOCK_SIZE; i++) pad[i] = k[i]! ^ 0x36;
  const inner = new Sha256().update(pad);
  if (data instanceof Uint8Array) inner.update(data);
  else for (const part of data) inner.update(part);
  const innerDigest = inner.digest();
  for (let i = 0; i < SHA256_BLOCK_SIZE; i++) pad[i] = k[i]! ^ 0x5c;
  return new Sha256().update(pad).update(innerDigest).digest();
}
