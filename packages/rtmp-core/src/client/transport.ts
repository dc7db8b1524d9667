/**
 * The byte transport a {@link RtmpClient} runs over: a TCP/TLS socket in
 * Node, a WebSocket to the bridge in the browser. The core never touches a
 * socket itself; implementations live in @rtmp-web/transport.
 */
import type { RtmpError } from '../errors.ts';

/** What a transport reports to its client. */
export interface TransportHandlers {
  /** Bytes received, in order. */
  data(bytes: Uint8Array): void;
  /** The connection ended; `error` is set when it ended badly. Called once. */
  close(error?: RtmpError): void;
}

/** A reliable, ordered byte pipe to an RTMP server. */
export interface RtmpTransport {
  /** Connects; resolves when bytes can flow, rejects with an RtmpError. */
  open(handlers: TransportHandlers): Promise<void>;
  /** Queues bytes for sending. */
  send(bytes: Uint8Array): void;
  /** Closes the connection (after flushing what is queued, where it can). */
  close(): void;
  /** Bytes queued but not yet handed to the network (for congestion control). */
  readonly bufferedAmount: number;
}
