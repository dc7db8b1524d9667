/**
 * TargetReader on real loopback sockets: small reads arrive as copies out of
 * the shared buffer, a large one gives the socket its own buffer, which later
 * reads reuse; a view the handler keeps is never written over, reads before
 * attach wait as copies, EOF still ends the socket, and connectTarget's
 * sockets carry a reader.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTarget } from '../src/target-connection.ts';
import { OWN_BUFFER_FROM, TARGET_READ_SIZE, TargetReader, type TargetReadHandler } from '../src/target-reader.ts';
import { startTcpTarget, until, type TcpTarget } from './support/loopback.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A target that runs `serve` on its first connection, and a socket to it reading through a fresh TargetReader. */
async function connectWithReader(serve: (s: net.Socket) => void, size?: number): Promise<{ socket: net.Socket; reader: TargetReader; target: TcpTarget }> {
  const target = await startTcpTarget(serve);
  cleanups.push(() => target.close());
  const reader = new TargetReader(size);
  const socket = net.connect({ host: '127.0.0.1', port: target.port, onread: reader.onread });
  reader.bind(socket);
  cleanups.push(() => void socket.destroy());
  socket.on('error', () => {});
  await once(socket, 'connect');
  return { socket, reader, target };
}

/** Writes `pieces` one at a time, each after the reader has seen the previous one (so each is a read of its own). */
async function writeEach(s: net.Socket, pieces: Buffer[], seen: () => number): Promise<void> {
  let total = 0;
  for (const p of pieces) {
    s.write(p);
    total += p.length;
    await until(() => seen() >= total, `${total} bytes read`);
  }
}

describe('TargetReader', () => {
  it('hands out small reads as copies, and holds no buffer of its own until a large read', async () => {
    let server: net.Socket | undefined;
    const { socket, reader } = await connectWithReader((s) => (server = s));
    const kept: Buffer[] = [];
    reader.attach((bytes) => {
      kept.push(bytes); // kept although the handler says it is not: small reads are copies, so that is safe
      return false;
    });
    socket.resume();
    await until(() => server !== undefined, 'accepted');
    const pieces = [Buffer.from('one'), Buffer.from('two two'), Buffer.alloc(1000, 3), Buffer.alloc(OWN_BUFFER_FROM - 1, 4)];
    await writeEach(server!, pieces, () => kept.reduce((n, v) => n + v.length, 0));
    expect(Buffer.concat(kept).equals(Buffer.concat(pieces))).toBe(true);
    expect(reader.hasOwnBuffer).toBe(false);
  });

  it('reads into one buffer of its own after a large read, while the handler keeps nothing', async () => {
    let server: net.Socket | undefined;
    const { socket, reader } = await connectWithReader((s) => (server = s));
    const ownViews: Buffer[] = []; // the views of reads into the socket's own buffer
    const copies: Buffer[] = [];
    reader.attach((bytes) => {
      if (reader.hasOwnBuffer) ownViews.push(bytes);
      copies.push(Buffer.from(bytes));
      return false;
    });
    socket.resume();
    await until(() => server !== undefined, 'accepted');
    const pieces = [Buffer.alloc(2 * OWN_BUFFER_FROM, 9), Buffer.from('one'), Buffer.from('two two'), Buffer.alloc(1000, 3)];
    await writeEach(server!, pieces, () => Buffer.concat(copies).length);
    expect(Buffer.concat(copies).equals(Buffer.concat(pieces))).toBe(true);
    expect(reader.hasOwnBuffer).toBe(true);
    expect(ownViews.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ownViews.map((v) => v.buffer)).size).toBe(1);
  });

  it('reads into a new buffer after the handler kept a view, and never writes over the kept one', async () => {
    let server: net.Socket | undefined;
    const { socket, reader } = await connectWithReader((s) => (server = s));
    const kept: Buffer[] = [];
    const ownViews: Buffer[] = [];
    reader.attach((bytes) => {
      kept.push(bytes);
      if (reader.hasOwnBuffer) ownViews.push(bytes);
      return true;
    });
    socket.resume();
    await until(() => server !== undefined, 'accepted');
    const pieces = [Buffer.alloc(2 * OWN_BUFFER_FROM, 9), Buffer.alloc(500, 1), Buffer.alloc(700, 2), Buffer.alloc(300, 3)];
    await writeEach(server!, pieces, () => kept.reduce((n, v) => n + v.length, 0));
    expect(Buffer.concat(kept).equals(Buffer.concat(pieces))).toBe(true);
    expect(ownViews.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ownViews.map((v) => v.buffer)).size).toBe(ownViews.length);
  });

  it('carries 16 MB exactly (checked by hash) when the handler keeps views at random', async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    const { socket, reader } = await connectWithReader((s) => s.end(payload));
    const received: Buffer[] = []; // kept views and copies, in order
    let reads = 0;
    const handler: TargetReadHandler = (bytes) => {
      reads++;
      const keep = reads % 3 === 0;
      received.push(keep ? bytes : Buffer.from(bytes));
      return keep;
    };
    reader.attach(handler);
    socket.resume();
    await once(socket, 'end');
    const all = Buffer.concat(received);
    expect(all.length).toBe(payload.length);
    expect(createHash('sha256').update(all).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(Math.max(...received.map((v) => v.length))).toBeLessThanOrEqual(TARGET_READ_SIZE);
  });

  it('holds a read that arrives before attach as a copy, stops reading, and delivers it first', async () => {
    let server: net.Socket | undefined;
    const { socket, reader } = await connectWithReader((s) => {
      server = s;
      s.write('banner');
    });
    await until(() => server !== undefined, 'accepted');
    await new Promise((r) => setTimeout(r, 50)); // let the banner be read with no handler
    const got: Buffer[] = [];
    reader.attach((bytes) => {
      got.push(Buffer.from(bytes));
      return false;
    });
    expect(Buffer.concat(got).toString()).toBe('banner');
    socket.resume();
    server!.end('bye');
    await once(socket, 'end');
    expect(Buffer.concat(got).toString()).toBe('bannerbye');
  });

  it('reads no more than its size at a time', async () => {
    const payload = randomBytes(100_000);
    const { socket, reader } = await connectWithReader((s) => s.end(payload), 1024);
    const got: Buffer[] = [];
    reader.attach((bytes) => {
      got.push(Buffer.from(bytes));
      return false;
    });
    socket.resume();
    await once(socket, 'end');
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    expect(Math.max(...got.map((v) => v.length))).toBeLessThanOrEqual(1024);
  });

  it('is found on sockets from connectTarget, not on others', async () => {
    const target = await startTcpTarget(() => {});
    cleanups.push(() => target.close());
    const socket = await connectTarget({
      address: { family: 4, bytes: new Uint8Array([127, 0, 0, 1]), text: '127.0.0.1' },
      port: target.port,
      tls: false,
      servername: undefined,
      ca: undefined,
      rejectUnauthorized: true,
      signal: new AbortController().signal,
    });
    cleanups.push(() => void socket.destroy());
    expect(TargetReader.of(socket)).toBeInstanceOf(TargetReader);
    const plain = net.connect(target.port, '127.0.0.1');
    plain.on('error', () => {});
    cleanups.push(() => void plain.destroy());
    expect(TargetReader.of(plain)).toBeUndefined();
  });
});
