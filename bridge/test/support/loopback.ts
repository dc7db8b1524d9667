/**
 * Real servers and clients on loopback for the bridge tests: TCP targets that
 * count what they accept, a bridge on a free port, and WebSocket helpers.
 * Nothing here connects anywhere but 127.0.0.1 / ::1.
 */
import net from 'node:net';
import { once } from 'node:events';
import WebSocket from 'ws';
import { createBridge, type Bridge, type BridgeLogEntry, type BridgeOptions } from '../../src/index.ts';

/** The Origin every test client sends unless a test says otherwise (allowed by the default policy). */
export const TEST_ORIGIN = 'http://localhost:5173';

/** A TCP server on loopback that counts accepted connections. */
export interface TcpTarget {
  readonly port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Every accepted socket, in order. */
  readonly sockets: net.Socket[];
  close(): Promise<void>;
}

/** Starts a TCP server on `host`:0; `onConnection` gets each accepted socket. */
export async function startTcpTarget(onConnection: (socket: net.Socket) => void, host = '127.0.0.1'): Promise<TcpTarget> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    target.accepted++;
    sockets.push(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const target: TcpTarget = {
    port: (server.address() as net.AddressInfo).port,
    accepted: 0,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return target;
}

/** A target that sends back every byte it receives. */
export function startEchoTarget(host = '127.0.0.1'): Promise<TcpTarget> {
  return startTcpTarget((socket) => socket.pipe(socket), host);
}

/** A bridge on 127.0.0.1:0 with logging captured, plus URL helpers. */
export interface TestBridge {
  readonly bridge: Bridge;
  readonly port: number;
  /** Log entries so far. */
  readonly logs: BridgeLogEntry[];
  /** `ws://127.0.0.1:<port>/?<query>`. */
  url(query: string): string;
  close(): Promise<void>;
}

/** Starts a bridge with these options (log captured, short drain). */
export async function startBridge(options: BridgeOptions): Promise<TestBridge> {
  const logs: BridgeLogEntry[] = [];
  const bridge = createBridge({ drainTimeoutMs: 1000, log: (e) => logs.push(e), ...options });
  const { port } = await bridge.listen(0, '127.0.0.1');
  return {
    bridge,
    port,
    logs,
    url: (query) => `ws://127.0.0.1:${port}/?${query}`,
    close: () => bridge.close({ drainTimeoutMs: 500 }),
  };
}

/** Opens a WebSocket and waits for 'open'; rejects with the HTTP status if the upgrade was refused. */
export function openWs(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin: TEST_ORIGIN, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}

/** Resolves with the HTTP status and body of a refused upgrade; fails if the upgrade succeeds. */
export async function refusal(url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number; body: string }> {
  try {
    const ws = await openWs(url, options);
    ws.terminate();
  } catch (e) {
    const { status, body } = e as { status?: number; body?: string };
    if (status !== undefined) return { status, body: body ?? '' };
    throw e;
  }
  throw new Error(`upgrade to ${url} was accepted`);
}

/** Everything a WebSocket receives until it closes, and how it closed. */
export async function receiveAll(ws: WebSocket): Promise<{ data: Buffer; code: number; reason: string; binary: boolean }> {
  const chunks: Buffer[] = [];
  let binary = true;
  ws.on('message', (d: Buffer, isBinary: boolean) => {
    chunks.push(d);
    binary &&= isBinary;
  });
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { data: Buffer.concat(chunks), code, reason: reason.toString(), binary };
}

/** Waits for the close event of a WebSocket. */
export async function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** Polls `condition` every 10 ms until it holds; the test's own timeout bounds it. */
export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 3000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Whether this machine has a usable IPv6 loopback. */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  try {
    server.listen(0, '::1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}
