/**
 * One bridged connection: a byte pump between one WebSocket and one TCP (or
 * TLS) socket, with backpressure both ways and one close funnel.
 *
 * ```
 *   client ──ws 'message'──▶ tcp.write ──▶ target      (write false → ws.pause, 'drain' → ws.resume)
 *   client ◀──ws.send─────── tcp read ◀─── target      (bufferedAmount > HWM → tcp.pause,
 *                                                        send callback under HWM/2 → tcp.resume)
 * ```
 *
 * TCP reads go into one reused buffer ({@link TargetReader}) when the socket
 * came from `connectTarget` (small reads arrive as copies, out of a buffer
 * shared by the process, until a large one); a read is sent straight from it when nothing is
 * queued in the client socket (the kernel takes the frame at once), copied
 * when frames are queued, and the buffer is given up when a send left part
 * of the frame pending. Sockets from an injected `connect` use `'data'`.
 *
 * `ws` has no 'drain' event, so TCP reads resume from the send callback,
 * which runs once the frame reached the kernel. Buffered bytes per connection
 * stay under the high-water mark plus one TCP read in one direction, and under
 * the socket's buffer plus one WebSocket message in the other. Queued chunks
 * are capped too ({@link MAX_QUEUED_CHUNKS}): a flood of 1-byte messages costs
 * far more in per-chunk bookkeeping than in bytes, and a byte count alone
 * would let tens of thousands of them pile up.
 *
 * Closing (websockify's rules): target EOF → flush what is queued, then close
 * 1000. Client close → end the TCP connection (FIN after pending writes).
 * Target error → destroy it and close 1011. Close codes are listed in
 * {@link CLOSE_CODES}.
 */
import type { Duplex } from 'node:stream';
import type net from 'node:net';
import type { WebSocket, RawData } from 'ws';
import { TargetReader } from './target-reader.ts';

/** Why a bridged connection ended. The values never change once released. */
export const CloseReason = {
  /** The target closed its side (EOF): queued bytes flushed, then 1000. */
  TargetEof: 'target-eof',
  /** The target connection failed or was reset: 1011. */
  TargetError: 'target-error',
  /** The client closed the WebSocket (or its connection dropped). */
  ClientClosed: 'client-closed',
  /** The client broke the WebSocket protocol: oversize message (1009), too many fragments (1008), bad frame (1002). */
  ClientProtocolError: 'client-protocol-error',
  /** The client sent a text frame: 1003. */
  TextFrame: 'text-frame',
  /** No bytes either way for the idle timeout: 1001. */
  IdleTimeout: 'idle-timeout',
  /** No pong since the last ping: the connection is terminated. */
  PingTimeout: 'ping-timeout',
  /** The bridge shut down before the connection ended: 1001. */
  Shutdown: 'shutdown',
} as const;

/** One of the values of {@link CloseReason}. */
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/** The WebSocket close code the bridge sends for each reason it initiates. */
export const CLOSE_CODES = {
  'target-eof': 1000,
  'target-error': 1011,
  'text-frame': 1003,
  'idle-timeout': 1001,
  shutdown: 1001,
} as const satisfies Partial<Record<CloseReason, number>>;

/** A snapshot of one connection, from `Bridge.stats()`. */
export interface ConnectionStats {
  /** Sequence number, unique within one bridge. */
  readonly id: number;
  /** The client IP (see `clientIpOf`). */
  readonly clientIp: string;
  /** Canonical `host:port` requested. */
  readonly target: string;
  /** The address connected to. */
  readonly address: string;
  /** TLS to the target. */
  readonly tls: boolean;
  /** `Date.now()` when the WebSocket opened. */
  readonly startedAt: number;
  /** Payload bytes written to the target. */
  readonly bytesToTarget: number;
  /** Payload bytes sent to the client. */
  readonly bytesToClient: number;
  /** Bytes held for the client now: WebSocket send buffer plus unread TCP input. */
  readonly bufferedToClient: number;
  /** Bytes held for the target now: TCP write buffer plus unread WebSocket input. */
  readonly bufferedToTarget: number;
  /** The largest `bufferedToClient` seen. */
  readonly peakBufferedToClient: number;
  /** The largest `bufferedToTarget` seen. */
  readonly peakBufferedToTarget: number;
  /** TCP reads are paused because the client is slow. */
  readonly targetPaused: boolean;
  /** WebSocket reads are paused because the target is slow. */
  readonly clientPaused: boolean;
  /** Sends to the client not yet flushed to the kernel. */
  readonly queuedToClient: number;
  /** Writes to the target not yet flushed to the kernel. */
  readonly queuedToTarget: number;
}

/** What is logged and counted when a connection ends. */
export interface ConnectionSummary {
  /** The final stats. */
  readonly stats: ConnectionStats;
  /** Why it ended: the first cause wins. */
  readonly reason: CloseReason;
  /** The close code sent (when the bridge closed) or received (when the client did); 1006 when none. */
  readonly closeCode: number;
  /** Milliseconds from open to the end of both sockets. */
  readonly durationMs: number;
}

/** Options for {@link BridgeConnection}. */
export interface BridgeConnectionOptions {
  /** Sequence number, for stats and logs. */
  readonly id: number;
  /** The client IP, for stats and logs (and releasing its per-IP slot). */
  readonly clientIp: string;
  /** Canonical `host:port` requested. */
  readonly target: string;
  /** The address connected to. */
  readonly address: string;
  /** TLS to the target. */
  readonly tls: boolean;
  /** Pause TCP reads above this many bytes buffered for the client; resume under half of it. */
  readonly highWaterMark: number;
  /** Close after this long without a byte either way. */
  readonly idleTimeoutMs: number;
  /** Called once, after both sockets closed. */
  readonly onClose: (summary: ConnectionSummary) => void;
}

/** Most chunks queued in one direction before reading from the other side pauses; it resumes at half. */
export const MAX_QUEUED_CHUNKS = 1024;

/** How long a target gets to take a FIN before it is destroyed. */
const TCP_END_GRACE_MS = 10_000;

/** A WebSocket bridged to a TCP socket. Created by the bridge server after the upgrade. */
export class BridgeConnection {
  private readonly startedAt = Date.now();
  private bytesToTarget = 0;
  private bytesToClient = 0;
  private peakToClient = 0;
  private peakToTarget = 0;
  private targetPaused = false;
  private clientPaused = false;
  private queuedToClient = 0;
  private queuedToTarget = 0;
  private alive = true;
  private reason: CloseReason | undefined;
  private sentCode: number | undefined;
  private receivedCode = 1006;
  private wsClosed = false;
  private tcpClosed = false;
  private reported = false;
  private readonly idleTimer: NodeJS.Timeout;
  private endTimer: NodeJS.Timeout | undefined;
  private readonly lowWaterMark: number;

  /**
   * Starts pumping. `clientSocket` is the raw socket under `ws`, used only to
   * measure what is buffered in it.
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly clientSocket: Duplex,
    private readonly tcp: net.Socket,
    private readonly options: BridgeConnectionOptions,
  ) {
    this.lowWaterMark = Math.floor(options.highWaterMark / 2);
    this.idleTimer = setTimeout(() => this.end(CloseReason.IdleTimeout), options.idleTimeoutMs);
    this.idleTimer.unref();

    const reader = TargetReader.of(tcp);
    if (reader === undefined) {
      tcp.on('data', this.onTargetData);
    } else {
      reader.attach(this.onTargetRead);
      if (!this.targetPaused) tcp.resume(); // reading stopped at the first read before attach, if any
    }
    tcp.on('drain', this.maybeResumeClient);
    tcp.on('end', () => this.end(CloseReason.TargetEof));
    tcp.on('error', () => this.end(CloseReason.TargetError));
    tcp.on('close', () => {
      this.tcpClosed = true;
      this.end(CloseReason.TargetError); // no-op unless it closed without 'end' or 'error'
      this.maybeDone();
    });

    ws.on('message', this.onClientMessage);
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', () => this.end(CloseReason.ClientProtocolError));
    ws.on('close', (code: number) => {
      this.wsClosed = true;
      this.receivedCode = code;
      this.end(CloseReason.ClientClosed);
      this.endTcp();
      this.maybeDone();
    });
  }

  /** A snapshot of counters and buffers. */
  stats(): ConnectionStats {
    const { id, clientIp, target, address, tls } = this.options;
    // Paused sockets still fill their readable buffers a little: count that in the peaks too.
    const bufferedToClient = this.bufferedToClient();
    const bufferedToTarget = this.bufferedToTarget();
    this.peakToClient = Math.max(this.peakToClient, bufferedToClient);
    this.peakToTarget = Math.max(this.peakToTarget, bufferedToTarget);
    return {
      id,
      clientIp,
      target,
      address,
      tls,
      startedAt: this.startedAt,
      bytesToTarget: this.bytesToTarget,
      bytesToClient: this.bytesToClient,
      bufferedToClient,
      bufferedToTarget,
      peakBufferedToClient: this.peakToClient,
      peakBufferedToTarget: this.peakToTarget,
      targetPaused: this.targetPaused,
      clientPaused: this.clientPaused,
      queuedToClient: this.queuedToClient,
      queuedToTarget: this.queuedToTarget,
    };
  }

  /** One ping round, run by the server's sweep: terminate if the last ping got no pong. */
  heartbeat(): void {
    if (this.wsClosed) return;
    if (!this.alive) {
      this.end(CloseReason.PingTimeout);
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Closes with 1001 now (the drain timeout of a shutdown ran out). */
  shutdown(): void {
    this.end(CloseReason.Shutdown);
  }

  /** Drops both sockets at once, without a close handshake. */
  terminate(): void {
    this.ws.terminate();
    this.tcp.destroy();
  }

  private bufferedToClient(): number {
    return this.ws.bufferedAmount + this.tcp.readableLength;
  }

  private bufferedToTarget(): number {
    return this.tcp.writableLength + this.clientSocket.readableLength;
  }

  /**
   * A read into the reader's reused buffer: sent from it when the client
   * socket has nothing queued, so the kernel copies it before the send
   * returns (`ws` sends unmasked binary frames without compression straight
   * to the socket: `perMessageDeflate` is off). Returns whether a pending
   * write still references the bytes.
   */
  private readonly onTargetRead = (bytes: Buffer): boolean => {
    if (this.clientSocket.writableLength > 0) {
      this.onTargetData(Buffer.from(bytes)); // it would queue behind other frames: send a copy of its own size
      return false;
    }
    this.onTargetData(bytes);
    return this.clientSocket.writableLength > 0; // a partial write keeps the rest of the frame, and the buffer
  };

  private readonly onTargetData = (chunk: Buffer): void => {
    if (this.wsClosed || this.reason === CloseReason.ClientClosed) return; // the client left: drop late bytes
    this.bytesToClient += chunk.length;
    this.idleTimer.refresh();
    this.queuedToClient++;
    this.ws.send(chunk, { binary: true }, this.onSent);
    const buffered = this.bufferedToClient();
    if (buffered > this.peakToClient) this.peakToClient = buffered;
    if ((buffered > this.options.highWaterMark || this.queuedToClient >= MAX_QUEUED_CHUNKS) && !this.targetPaused) {
      this.targetPaused = true;
      this.tcp.pause();
    }
  };

  /** The send callback: the frame reached the kernel. This is where TCP reads resume. */
  private readonly onSent = (): void => {
    this.queuedToClient--;
    this.idleTimer.refresh();
    if (
      this.targetPaused &&
      this.reason === undefined &&
      this.ws.bufferedAmount <= this.lowWaterMark &&
      this.queuedToClient <= MAX_QUEUED_CHUNKS / 2
    ) {
      this.targetPaused = false;
      this.tcp.resume();
    }
  };

  private readonly onClientMessage = (data: RawData, isBinary: boolean): void => {
    if (this.reason !== undefined) return;
    if (!isBinary) {
      this.end(CloseReason.TextFrame);
      return;
    }
    const chunk = data as Buffer; // binaryType is 'nodebuffer': fragments arrive joined
    this.bytesToTarget += chunk.length;
    this.idleTimer.refresh();
    this.queuedToTarget++;
    const ok = this.tcp.write(chunk, this.onWritten);
    const buffered = this.bufferedToTarget();
    if (buffered > this.peakToTarget) this.peakToTarget = buffered;
    if ((!ok || this.queuedToTarget >= MAX_QUEUED_CHUNKS) && !this.clientPaused) {
      this.clientPaused = true;
      this.ws.pause();
    }
  };

  private readonly onWritten = (): void => {
    this.queuedToTarget--;
    this.maybeResumeClient();
  };

  /** On 'drain' and after each write: resume WebSocket reads once the TCP buffer and queue are low. */
  private readonly maybeResumeClient = (): void => {
    if (this.clientPaused && !this.tcp.writableNeedDrain && this.queuedToTarget <= MAX_QUEUED_CHUNKS / 2) {
      this.clientPaused = false;
      this.ws.resume();
    }
  };

  /** The one close funnel: the first reason wins and decides what happens to each socket. */
  private end(reason: CloseReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    clearTimeout(this.idleTimer);
    switch (reason) {
      case CloseReason.TargetEof:
        // 'end' comes after every 'data': all of it is already queued in ws, which writes the close frame after it.
        this.closeWs(CLOSE_CODES[reason], 'target closed');
        break;
      case CloseReason.ClientClosed:
        break; // the 'close' handler ends the TCP connection gracefully
      case CloseReason.PingTimeout:
        this.ws.terminate();
        this.tcp.destroy();
        break;
      case CloseReason.ClientProtocolError:
        this.tcp.destroy(); // ws sends the close code (1009, 1008, 1002) itself
        break;
      default:
        this.tcp.destroy();
        this.closeWs(CLOSE_CODES[reason], reason);
    }
  }

  private closeWs(code: number, reason: string): void {
    if (this.wsClosed) return;
    this.sentCode = code;
    this.ws.close(code, reason);
  }

  private endTcp(): void {
    if (this.tcp.destroyed || this.endTimer !== undefined) return;
    this.tcp.end();
    this.endTimer = setTimeout(() => this.tcp.destroy(), TCP_END_GRACE_MS);
    this.endTimer.unref();
  }

  private maybeDone(): void {
    if (!this.wsClosed || !this.tcpClosed || this.reported) return;
    this.reported = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.endTimer);
    this.options.onClose({
      stats: this.stats(),
      reason: this.reason ?? CloseReason.ClientClosed,
      closeCode: this.sentCode ?? this.receivedCode,
      durationMs: Date.now() - this.startedAt,
    });
  }
}
