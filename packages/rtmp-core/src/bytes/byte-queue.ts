/**
 * The one receive buffer: a list of pushed chunks, read from the front.
 *
 * Pushed arrays are kept as they are (no copy on push). Reads that fall
 * within one pushed array return a view; only reads that straddle two arrays
 * copy. The owner (handshake, chunk reader) enforces its own caps on what it
 * leaves here, so this class only counts.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  // Read offset into chunks[0].
  private head = 0;
  /** Number of unread bytes. */
  length = 0;

  /** Appends bytes. The queue keeps a reference: do not modify `bytes` after. */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** The byte at offset `i` from the front. The caller checks `i < length`. */
  peekU8(i: number): number {
    let idx = 0;
    let off = this.head + i;
    for (;;) {
      const c = this.chunks[idx]!;
      if (off < c.length) return c[off]!;
      off -= c.length;
      idx++;
    }
  }

  /**
   * Copies `n` bytes starting at offset `from` into `dst` at `dstOffset`,
   * without consuming. The caller checks `from + n <= length`.
   */
  copyOut(from: number, n: number, dst: Uint8Array, dstOffset = 0): void {
    if (n === 0) return;
    let idx = 0;
    let off = this.head + from;
    while (off >= this.chunks[idx]!.length) {
      off -= this.chunks[idx]!.length;
      idx++;
    }
    let written = 0;
    while (written < n) {
      const c = this.chunks[idx++]!;
      const take = Math.min(c.length - off, n - written);
      dst.set(c.subarray(off, off + take), dstOffset + written);
      written += take;
      off = 0;
    }
  }

  /**
   * Removes and returns the next `n` bytes: a view when they lie in one
   * pushed array, else a copy. The caller checks `n <= length`.
   */
  read(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first !== undefined && this.head + n <= first.length) {
      const v = first.subarray(this.head, this.head + n);
      this.consume(n);
      return v;
    }
    const out = new Uint8Array(n);
    this.copyOut(0, n, out);
    this.consume(n);
    return out;
  }

  /** Drops the next `n` bytes. The caller checks `n <= length`. */
  consume(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      const left = c.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }

  /** Removes and returns everything unread. */
  takeAll(): Uint8Array {
    return this.read(this.length);
  }
}
