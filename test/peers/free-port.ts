/** Free loopback ports for servers the tests start. */
import { readFile } from 'node:fs/promises';
import net from 'node:net';

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Resolves once a socket listens on 127.0.0.1:`port`, read from the
 * kernel's table (/proc/net/tcp) without connecting: for a server that takes
 * exactly one connection, as FFmpeg's `-listen 1` does.
 */
export async function waitForListening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // 0100007F:PORT in hex, state 0A (LISTEN).
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (;;) {
    const table = await readFile('/proc/net/tcp', 'utf8');
    if (table.split('\n').some((line) => { const f = line.trim().split(/\s+/); return f[1] === local && f[3] === '0A'; })) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
