/**
 * A fake network for connection tests: named server addresses, each a
 * scriptable {@link FakeRtmpServer} per connection, behind a transport
 * factory of the shape RtmpConnection takes. Bytes cross in microtasks, cut
 * by a chosen splitter (one byte at a time, …) towards the client, and every
 * byte is counted both ways. An address that is not listed behaves as a
 * bridge that refuses the target (the WebSocket never opens).
 */
import type { CommandMessage } from '../src/command/command-message.ts';
import type { ConnectionTarget } from '../src/client/rtmp-connection.ts';
import type { RtmpTransport, TransportHandlers } from '../src/client/transport.ts';
import { RtmpError, RtmpErrorCode } from '../src/errors.ts';
import type { AmfValue } from '../src/amf/amf-value.ts';
import { FakeRtmpServer } from './fake-server.ts';

/** How an address answers. */
export type HostMode =
  /** An RTMP server (scripted by `onCommand`). */
  | 'accept'
  /** The bridge refuses it: open() rejects with `details.opened === false`. */
  | 'refuse'
  /** A TCP refusal (as NodeTcpTransport reports it): no `opened` detail. */
  | 'unreachable'
  /** The socket opens, nothing ever answers. */
  | 'silent'
  /** The socket opens and answers like an HTTP server: not RTMP. */
  | 'garbage'
  /** open() never settles (until the client closes). */
  | 'hang';

/** One server address. */
export interface FakeHost {
  mode: HostMode;
  /** Answers a command; the default plays the happy path (see {@link answerHappily}). */
  onCommand: (conn: FakeConnection, c: CommandMessage, streamId: number) => void;
  /** Every connection made to it, in order. */
  readonly connections: FakeConnection[];
}

/** The default script: connect accepted, createStream → 1, Play.Start / Publish.Start. */
export function answerHappily(conn: FakeConnection, c: CommandMessage, streamId: number): void {
  const server = conn.server;
  if (c.name === 'connect') server.acceptConnect(c.transactionId);
  else if (c.name === 'createStream') server.sendCommand(0, '_result', c.transactionId, null, 1);
  else if (c.name === 'play') {
    server.streamBegin(1);
    server.sendStatus(1, 'status', 'NetStream.Play.Start');
  } else if (c.name === 'publish') server.sendStatus(streamId, 'status', 'NetStream.Publish.Start');
}

/** One connection as the server end sees it. */
export class FakeConnection {
  readonly server: FakeRtmpServer;
  /** Bytes the server delivered to the client, and bytes the client sent. */
  bytesToClient = 0;
  bytesFromClient = 0;
  /** The client closed it. */
  closedByClient = false;
  /** Closed, by either side. */
  closed = false;

  constructor(
    readonly target: ConnectionTarget,
    private readonly handlers: TransportHandlers,
    private readonly split: (b: Uint8Array) => Uint8Array[],
    host: FakeHost,
  ) {
    this.server = new FakeRtmpServer((b) => this.sendRaw(b));
    this.server.onCommand = (c, streamId) => host.onCommand(this, c, streamId);
  }

  /** Delivers bytes to the client as they are, cut by the network's splitter. */
  sendRaw(bytes: Uint8Array): void {
    const copy = bytes.slice();
    queueMicrotask(() => {
      for (const piece of this.split(copy)) {
        if (this.closed) return;
        this.bytesToClient += piece.length;
        this.handlers.data(piece);
      }
    });
  }

  /** The server drops the connection (`error` unset: a clean close). */
  drop(error?: RtmpError): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.close(error);
  }

  /** Sends NetConnection.Connect.ReconnectRequest, with `tcUrl` when given. */
  requestReconnect(tcUrl?: AmfValue, description = 'the server is going down for maintenance'): void {
    const info: Record<string, AmfValue> = { level: 'status', code: 'NetConnection.Connect.ReconnectRequest', description };
    if (tcUrl !== undefined) info.tcUrl = tcUrl;
    this.server.sendCommand(0, 'onStatus', 0, null, info);
  }

  /** The connect command the client sent. */
  connectCommand(): CommandMessage | undefined {
    return this.server.received.find((r) => r.command?.name === 'connect')?.command;
  }

  /** Client → server (called by the transport). */
  fromClient(bytes: Uint8Array): void {
    this.bytesFromClient += bytes.length;
    if (this.closed) return;
    const copy = bytes.slice();
    queueMicrotask(() => {
      if (!this.closed) this.server.push(copy);
    });
  }

  /** The client closed it (called by the transport). */
  closeFromClient(): void {
    if (this.closed) return;
    this.closed = true;
    this.closedByClient = true;
  }
}

/** The network: addresses by `host:port`, and the transport factory. */
export class FakeNetwork {
  private readonly hosts = new Map<string, FakeHost>();
  /** How server bytes are cut on the way to the client. */
  split: (b: Uint8Array) => Uint8Array[] = (b) => [b];
  /** Every target a transport was made for, in order. */
  readonly targets: ConnectionTarget[] = [];
  /** The factory to give RtmpConnection. */
  readonly transport = (target: ConnectionTarget): RtmpTransport => {
    this.targets.push(target);
    return new FakeTransport(this, target);
  };

  /** Adds (or replaces the behaviour of) an address, e.g. `a.test:1935`. */
  host(address: string, mode: HostMode = 'accept', onCommand = answerHappily): FakeHost {
    const existing = this.hosts.get(address);
    if (existing !== undefined) {
      existing.mode = mode;
      existing.onCommand = onCommand;
      return existing;
    }
    const h: FakeHost = { mode, onCommand, connections: [] };
    this.hosts.set(address, h);
    return h;
  }

  /** The host at `address`, or undefined. */
  lookup(address: string): FakeHost | undefined {
    return this.hosts.get(address);
  }

  /** Every connection to every host. */
  connections(): FakeConnection[] {
    return [...this.hosts.values()].flatMap((h) => h.connections);
  }
}

class FakeTransport implements RtmpTransport {
  readonly bufferedAmount = 0;
  private conn: FakeConnection | null = null;
  private closed = false;
  private abandon: (() => void) | null = null;

  constructor(
    private readonly net: FakeNetwork,
    private readonly target: ConnectionTarget,
  ) {}

  open(handlers: TransportHandlers): Promise<void> {
    const host = this.net.lookup(`${this.target.host}:${this.target.port}`);
    return new Promise((resolve, reject) => {
      if (host?.mode === 'hang') {
        this.abandon = () => reject(new RtmpError(RtmpErrorCode.TransportClosed, 'closed before it opened', { details: { opened: false } }));
        return;
      }
      queueMicrotask(() => {
        if (this.closed) {
          reject(new RtmpError(RtmpErrorCode.TransportClosed, 'closed before it opened', { details: { opened: false } }));
          return;
        }
        if (host === undefined || host.mode === 'refuse' || host.mode === 'unreachable') {
          const e =
            host?.mode === 'unreachable'
              ? new RtmpError(RtmpErrorCode.TransportError, `connection to ${this.target.host}:${this.target.port} failed: ECONNREFUSED`)
              : new RtmpError(RtmpErrorCode.TransportError, 'could not open the bridge WebSocket (code 1006)', { details: { wsCode: 1006, opened: false } });
          reject(e);
          handlers.close(e);
          return;
        }
        const conn = new FakeConnection(this.target, handlers, this.net.split, host);
        if (host.mode === 'silent') conn.server.push = () => {};
        if (host.mode === 'garbage') conn.server.push = () => conn.sendRaw(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n'));
        host.connections.push(conn);
        this.conn = conn;
        resolve();
      });
    });
  }

  send(bytes: Uint8Array): void {
    this.conn?.fromClient(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn?.closeFromClient();
    this.abandon?.();
  }
}
