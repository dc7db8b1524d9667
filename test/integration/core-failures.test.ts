/**
 * The client against servers that misbehave at the TCP level: it must end
 * with a typed error, never hang and never throw anything else.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RtmpClient, RtmpError, RtmpErrorCode, RtmpServerHandshake } from '@rtmp-web/core';
import { NodeTcpTransport } from '@rtmp-web/transport/node';

const servers: { server: net.Server; sockets: Set<net.Socket> }[] = [];

/** Stops a test server and drops its open connections. */
function stop(entry: { server: net.Server; sockets: Set<net.Socket> }): Promise<void> {
  for (const s of entry.sockets) s.destroy();
  return new Promise((r) => entry.server.close(() => r()));
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map(stop));
});

/** A TCP server on a free loopback port, running `onConnection` for each client. */
async function serve(onConnection: (s: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  servers.push({ server, sockets });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

function client(port: number, timeoutMs = 1500): RtmpClient {
  return new RtmpClient({ url: `rtmp://127.0.0.1:${port}/live/x`, transport: new NodeTcpTransport({ host: '127.0.0.1', port }), timeoutMs });
}

describe('client against misbehaving servers', () => {
  it('times out (Timeout) when the server accepts and never answers', async () => {
    const port = await serve(() => {});
    const e = await client(port).connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RtmpError);
    expect((e as RtmpError).code).toBe(RtmpErrorCode.Timeout);
  });

  it('fails with TransportError when nothing listens', async () => {
    const port = await serve(() => {});
    await stop(servers.pop()!);
    const e = await client(port).connect().catch((x: unknown) => x);
    expect((e as RtmpError).code).toBe(RtmpErrorCode.TransportError);
  });

  it('fails with HandshakeBadVersion when an HTTP server answers', async () => {
    const port = await serve((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const e = await client(port).connect().catch((x: unknown) => x);
    expect((e as RtmpError).code).toBe(RtmpErrorCode.HandshakeBadVersion);
  });

  it('fails with TransportClosed when the server closes after the handshake', async () => {
    const port = await serve((s) => {
      const hs = new RtmpServerHandshake();
      s.on('data', (b) => {
        if (hs.done) return;
        const r = hs.receive(new Uint8Array(b));
        if (r.send) s.write(r.send);
        if (r.done) s.end();
      });
    });
    const e = await client(port).connect().catch((x: unknown) => x);
    expect((e as RtmpError).code).toBe(RtmpErrorCode.TransportClosed);
  });

  it('fails with a chunk-layer error when the server sends random bytes after the handshake', async () => {
    const port = await serve((s) => {
      const hs = new RtmpServerHandshake({ random: (b) => b.fill(9) });
      s.on('data', (b) => {
        if (hs.done) return;
        const r = hs.receive(new Uint8Array(b));
        if (r.send) s.write(r.send);
        // fmt 1 on a fresh csid, then noise: a deterministic bad stream
        if (r.done) s.write(Buffer.from([0x45, 0, 0, 0, 0, 0, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      });
    });
    const c = client(port);
    const errors: RtmpError[] = [];
    c.on('error', (e) => errors.push(e));
    const e = await c.connect().catch((x: unknown) => x);
    expect((e as RtmpError).code).toBe(RtmpErrorCode.ChunkNoPreviousHeader);
    expect(errors.map((x) => x.code)).toEqual([RtmpErrorCode.ChunkNoPreviousHeader]);
  });
});
