/**
 * Reading from the target into a buffer the connection reuses, instead of a
 * fresh 64 KiB buffer per read.
 *
 * Node's `net.Socket` allocates a new 64 KiB ArrayBuffer for every read in
 * `'data'` mode. At download rates that is 256 MB of short-lived external
 * memory per 256 MB moved: V8 starts a full mark-compact about every 64 MB of
 * it, and glibc hands the freed pages back and faults them in again. A CPU
 * profile of the bridge had a quarter of its time in the garbage collector.
 * The socket's `onread` option (`{ buffer, callback }`) reads into a buffer we
 * hand it instead; `buffer()` is asked again after every read for the buffer
 * of the next one.
 *
 * The catch is ownership: the bytes of a read are only ours until the next
 * read, but a WebSocket send keeps a reference to them while its write is
 * pending (a partial write, or frames queued before it). So the handler says
 * whether it kept the view; if it did, the reader lets that buffer go with the
 * pending write and reads into a new one. A handler that sends only when the
 * socket has nothing queued (and copies otherwise) keeps the buffer nearly
 * always: one allocation per backpressure episode instead of one per read.
 *
 * A socket does not get a buffer of its own until a read of at least
 * {@link OWN_BUFFER_FROM} bytes: until then it reads into one buffer shared by
 * every such socket in the process, and the handler gets a copy of its own
 * size (the shared buffer is only ever used during one read's callback, so it
 * is never kept). Idle connections and connections whose reads stay small (a
 * few Mbit/s of RTMP) then cost no 64 KiB each; a download switches to its
 * own buffer at its first large read.
 *
 * Reads that arrive before a handler is attached (between connect and the
 * WebSocket upgrade) are copied and reading stops until {@link TargetReader.attach}.
 */
import type net from 'node:net';

/** Bytes per read: Node's own read size, the largest a WebSocket frame from the bridge carries. */
export const TARGET_READ_SIZE = 64 * 1024;

/** A read of at least this many bytes gives the socket a buffer of its own (smaller ones are copied out of the shared one). */
export const OWN_BUFFER_FROM = 16 * 1024;

/** The buffer sockets without one of their own read into, one per read size; only used during a read's callback. */
const sharedBuffers = new Map<number, Buffer>();

function sharedBuffer(size: number): Buffer {
  let buffer = sharedBuffers.get(size);
  if (buffer === undefined) {
    buffer = Buffer.allocUnsafe(size);
    sharedBuffers.set(size, buffer);
  }
  return buffer;
}

/**
 * Called with each read's bytes. The view is valid only during the call:
 * return `true` if something still references it afterwards (a pending
 * write), and the next read goes into a new buffer; `false` if it was
 * consumed or copied.
 */
export type TargetReadHandler = (bytes: Buffer) => boolean;

/** The `onread` option of `net.connect` / `tls.connect`. */
export interface OnReadOption {
  /** The buffer for the next read (called at connect and after each read). */
  readonly buffer: () => Buffer;
  /** Called with each read; returning `false` stops reading (as `socket.pause()` would). */
  readonly callback: (bytesRead: number, buffer: Buffer) => boolean;
}

const readers = new WeakMap<net.Socket, TargetReader>();

/** One target socket's reads, into a reused buffer. Create it before the socket, and pass {@link onread} to connect. */
export class TargetReader {
  private buffer: Buffer;
  private own = false;
  private handler: TargetReadHandler | undefined;
  private early: Buffer[] = [];

  /** Pass this as the `onread` option when creating the socket. */
  readonly onread: OnReadOption = {
    buffer: () => this.buffer,
    callback: (bytesRead, buffer) => this.onRead(bytesRead, buffer),
  };

  /** `size`: bytes per read (default {@link TARGET_READ_SIZE}). */
  constructor(private readonly size = TARGET_READ_SIZE) {
    this.buffer = sharedBuffer(size);
  }

  /** Whether this socket reads into a buffer of its own yet (after its first read of {@link OWN_BUFFER_FROM} bytes or more). */
  get hasOwnBuffer(): boolean {
    return this.own;
  }

  /** The reader a socket was created with, if it was (sockets from an injected `connect` have none). */
  static of(socket: net.Socket): TargetReader | undefined {
    return readers.get(socket);
  }

  /** Records that `socket` reads through this reader (see {@link TargetReader.of}). */
  bind(socket: net.Socket): void {
    readers.set(socket, this);
  }

  /**
   * Delivers reads to `handler` from now on, first the ones that arrived
   * before (as copies). The caller resumes the socket afterwards: reading
   * stopped at the first early read.
   */
  attach(handler: TargetReadHandler): void {
    this.handler = handler;
    const early = this.early;
    this.early = [];
    for (const bytes of early) handler(bytes);
  }

  private onRead(bytesRead: number, buffer: Buffer): boolean {
    const bytes = buffer.subarray(0, bytesRead);
    if (this.handler === undefined) {
      this.early.push(Buffer.from(bytes));
      return false; // stop reading until attach: one read is all that waits here
    }
    if (!this.own) {
      this.handler(Buffer.from(bytes)); // the shared buffer is never handed out
      if (bytesRead >= Math.min(OWN_BUFFER_FROM, this.size)) {
        this.own = true;
        this.buffer = Buffer.allocUnsafe(this.size); // uninitialised: pages become resident as reads fill them
      }
      return true;
    }
    if (this.handler(bytes)) this.buffer = Buffer.allocUnsafe(this.size);
    return true;
  }
}
