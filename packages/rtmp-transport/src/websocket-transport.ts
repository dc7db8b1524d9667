/**
 * A WebSocket transport for @rtmp-web/core, through rtmp-bridge:
 * `ws[s]://<bridge>/?host=<host>&port=<port>[&tls=1]`. Works with the
 * browser's WebSocket and, in Node, with the `ws` package's class.
 */
import { RtmpError, RtmpErrorCode } from '@rtmp-web/core';
import type { RtmpTransport, TransportHandlers } from '@rtmp-web/core';

/** The subset of the WebSocket API this transport needs. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** Options for {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** The bridge's URL, e.g. `wss://bridge.example.com/` (may carry `token=`). */
  bridge: string;
  /** RTMP server host and port. */
  host: string;
  port: number;
  /** Ask the bridge for TLS to the server (rtmps://). */
  tls?: boolean;
  /** WebSocket constructor; defaults to `globalThis.WebSocket`. */
  WebSocket?: new (url: string) => WebSocketLike;
}

/** Builds the bridge URL for a target, keeping the bridge URL's own query (e.g. a token). */
export function bridgeUrl(bridge: string, host: string, port: number, tlsOn: boolean): string {
  const u = new URL(bridge);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new TypeError(`bridge must be a ws:// or wss:// URL, got ${u.protocol}`);
  }
  u.searchParams.set('host', host);
  u.searchParams.set('port', String(port));
  if (tlsOn) u.searchParams.set('tls', '1');
  return u.toString();
}

/** WebSocket-to-bridge transport. */
export class WebSocketTransport implements RtmpTransport {
  private ws: WebSocketLike | null = null;
  private closed = false;

  constructor(private readonly options: WebSocketTransportOptions) {}

  /** The WebSocket's bufferedAmount. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Opens the WebSocket; resolves on open. */
  open(handlers: TransportHandlers): Promise<void> {
    const o = this.options;
    const Ctor = o.WebSocket ?? (globalThis as unknown as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
    if (Ctor === undefined) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
    const url = bridgeUrl(o.bridge, o.host, o.port, o.tls ?? false);
    return new Promise((resolve, reject) => {
      let opened = false;
      const ws = new Ctor(url);
      this.ws = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        opened = true;
        resolve();
      };
      ws.onmessage = (ev) => {
        const d = ev.data;
        if (d instanceof ArrayBuffer) handlers.data(new Uint8Array(d));
        else if (ArrayBuffer.isView(d)) handlers.data(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      };
      ws.onerror = () => {
        // The close event follows with the details; a refused bridge never opens.
      };
      ws.onclose = (ev) => {
        if (this.closed) return;
        this.closed = true;
        // 1000: the server closed the TCP connection cleanly.
        const error =
          ev.code === 1000 && opened
            ? undefined
            : new RtmpError(
                RtmpErrorCode.TransportError,
                opened ? `bridge closed the connection (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})` : `could not open the bridge WebSocket (code ${ev.code})`,
                // opened false: the bridge never took the WebSocket (not running, or it refused the target or the origin).
                { details: { wsCode: ev.code, opened } },
              );
        if (!opened) reject(error);
        handlers.close(error);
      };
    });
  }

  /** Sends bytes as one binary frame. */
  send(bytes: Uint8Array): void {
    if (!this.closed && this.ws && this.ws.readyState === 1) this.ws.send(bytes);
  }

  /** Closes the WebSocket (the bridge then ends the TCP connection). */
  close(): void {
    if (this.ws && this.ws.readyState <= 1) this.ws.close(1000);
  }
}
