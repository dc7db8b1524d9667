/**
 * A Node transport for @rtmp-web/core: plain TCP for rtmp://, TLS for
 * rtmps:// (SNI and certificate verification on by default).
 */
import net from 'node:net';
import tls from 'node:tls';
import { RtmpError, RtmpErrorCode } from '@rtmp-web/core';
import type { RtmpTransport, TransportHandlers } from '@rtmp-web/core';

/** Options for {@link NodeTcpTransport}. */
export interface NodeTcpTransportOptions {
  host: string;
  port: number;
  /** Use TLS (rtmps://). */
  tls?: boolean;
  /** Extra TLS options (e.g. `ca` for a test certificate, `rejectUnauthorized`). */
  tlsOptions?: tls.ConnectionOptions;
}

/** TCP or TLS socket transport. */
export class NodeTcpTransport implements RtmpTransport {
  private socket: net.Socket | null = null;
  private closed = false;

  constructor(private readonly options: NodeTcpTransportOptions) {}

  /** Bytes queued in the socket's write buffer. */
  get bufferedAmount(): number {
    return this.socket?.writableLength ?? 0;
  }

  /** Connects; resolves once the socket (and TLS) is up. */
  open(handlers: TransportHandlers): Promise<void> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      let opened = false;
      const socket = this.options.tls
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...this.options.tlsOptions })
        : net.connect({ host, port });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
        opened = true;
        resolve();
      });
      socket.on('data', (b: Buffer) => handlers.data(new Uint8Array(b.buffer, b.byteOffset, b.length)));
      socket.on('error', (e) => {
        const err = new RtmpError(RtmpErrorCode.TransportError, `connection to ${host}:${port} failed: ${e.message}`, { cause: e });
        if (!opened) reject(err);
        this.finish(handlers, err);
      });
      socket.on('close', () => this.finish(handlers));
    });
  }

  private finish(handlers: TransportHandlers, error?: RtmpError): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
    handlers.close(error);
  }

  /** Writes bytes. */
  send(bytes: Uint8Array): void {
    if (!this.closed) this.socket?.write(bytes);
  }

  /** Ends the connection after flushing. */
  close(): void {
    this.socket?.end();
  }
}
