/**
 * The player's side of the one live connection: an {@link RtmpConnection}
 * (reconnects, backoff, what is fatal, Enhanced RTMP's reconnect request)
 * with `play` issued on each client it hands out, and the server's media,
 * status and data passed on from the client that is playing, only that one.
 *
 * What the player adds to the connection's policy:
 * - a first start that fails for any reason is fatal (there is nothing to
 *   fall back to, and a page wants to know at once); after the stream has
 *   played once, drops and failed attempts are retried without end;
 * - NetStream.Play.StreamNotFound is fatal; another failed `play` is a drop;
 * - the connection's kinds become the player's codes: `transport-refused`
 *   → BRIDGE_UNAVAILABLE, `lost` → CONNECTION_LOST, a stall (no bytes,
 *   {@link PlayerConnection.stall}) → STALLED;
 * - a reconnect request: the new client plays while the old one keeps
 *   feeding; the first media from the new one commits the move (the old one
 *   closes) and {@link PlayerConnectionHooks.started} says `moved`, so the
 *   session rejoins at the new stream's keyframe. The viewer sees, at most,
 *   the freeze of that rejoin.
 */
import {
  CapsExMask,
  connectCapabilityFields,
  RtmpConnection,
  RtmpError,
  RtmpErrorCode,
  type CodecCapabilities,
  type ConnectionErrorInfo,
  type ConnectionReady,
  type RtmpClient,
  type RtmpStatus,
  type RtmpTransport,
  type TransportFactory,
  type TransportHandlers,
} from '@rtmp-web/core';
import { WebSocketTransport } from '@rtmp-web/transport/websocket';
import { PlayerErrorCode } from './player-errors.ts';
import type { PlayerErrorInfo } from './worker-protocol.ts';

/** What the connection tells the session. */
export interface PlayerConnectionHooks {
  /** Connect `_result` on the first client (the startup timing). */
  connected(): void;
  /** NetStream.Play.Start: media follows. `moved`: the first media from a reconnect request's new server arrived (and is passed on next). */
  started(reason: 'first' | 'reconnected' | 'moved'): void;
  media(typeId: number, timestamp: number, payload: Uint8Array): void;
  status(s: RtmpStatus): void;
  data(name: string, values: unknown[]): void;
  /** StreamEOF from the server (the stream ended; the connection stays). */
  streamEnded(): void;
  /** Bytes arrived on any client (stats, the stall timer). */
  bytes(n: number): void;
  /** The playing client is gone; the connection reconnects (a `started` follows). Not fatal. */
  lost(info: PlayerErrorInfo): void;
  /** A non-fatal problem that changes nothing (a reconnect request's server failed: we stay). */
  report(info: PlayerErrorInfo): void;
  /** The end: nothing more will come. */
  failed(info: PlayerErrorInfo): void;
}

/** Options for {@link PlayerConnection}. */
export interface PlayerConnectionOptions {
  src: string;
  bridge: string;
  /** The SetBufferLength to send with each play, ms. */
  bufferMs(): number;
  /** Makes each attempt's transport. Default: a WebSocket to `bridge` (tests pass a fake network). */
  transport?: TransportFactory;
  /** The codecs `connect` declares (Enhanced RTMP fourCcList and info maps); none when absent. */
  capabilities?: CodecCapabilities;
}

/** A transport that reports each read's size before passing it on. */
class CountingTransport implements RtmpTransport {
  constructor(
    private readonly inner: RtmpTransport,
    private readonly onBytes: (n: number) => void,
  ) {}
  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }
  open(handlers: TransportHandlers): Promise<void> {
    return this.inner.open({
      data: (b) => {
        this.onBytes(b.byteLength);
        handlers.data(b);
      },
      close: (e) => handlers.close(e),
    });
  }
  send(bytes: Uint8Array): void {
    this.inner.send(bytes);
  }
  close(): void {
    this.inner.close();
  }
}

/** See the file comment. */
export class PlayerConnection {
  private readonly conn: RtmpConnection;
  /** The client whose media is passed on. */
  private playing: RtmpClient | null = null;
  /** A reconnect request's client, playing but not yet passed on (its first media commits the move). */
  private moving: RtmpClient | null = null;
  /**
   * Data (onMetaData) from {@link moving} before its first media: passed on
   * when it takes over, after `started('moved')` (node-media-server sends
   * its metadata ahead of the GOP cache). At most {@link MAX_EARLY_DATA}.
   */
  private early: { name: string; values: unknown[] }[] = [];
  private everStarted = false;
  private stalled: PlayerErrorInfo | null = null;
  private closed = false;

  constructor(
    private readonly o: PlayerConnectionOptions,
    private readonly hooks: PlayerConnectionHooks,
  ) {
    this.conn = new RtmpConnection({
      url: o.src,
      transport: (t) => new CountingTransport(o.transport?.(t) ?? new WebSocketTransport({ bridge: o.bridge, ...t }), (n) => hooks.bytes(n)),
      timeoutMs: 10_000,
      maxAttempts: Infinity,
      // The player follows reconnect requests, plays multitrack streams (track-selector.ts) and parses ModEx (timestamp offsets).
      capsEx: CapsExMask.Reconnect | CapsExMask.Multitrack | CapsExMask.ModEx,
      ...(o.capabilities === undefined ? {} : { clientOptions: { connectFields: connectCapabilityFields(o.capabilities) } }),
    });
    this.conn.on('ready', (r) => this.onReady(r));
    this.conn.on('lost', (l) => this.onLost(l.client, l.error, l.current));
    this.conn.on('report', (info) => this.onReport(info));
    this.conn.on('failed', (info) => this.end(this.describe(info)));
  }

  /** Whether a client is playing (Play.Start received, not lost since). */
  get connected(): boolean {
    return this.playing !== null;
  }

  start(): void {
    this.conn.start();
  }

  /** No bytes for too long while media flowed: drop the client and reconnect, reported as `info`. */
  stall(info: PlayerErrorInfo): void {
    this.stalled = info;
    if (!this.conn.drop(new RtmpError(RtmpErrorCode.TransportClosed, info.message, { fatal: false }))) this.stalled = null;
  }

  /** Closes everything; no hook is called after. */
  close(): void {
    this.closed = true;
    this.playing = null;
    this.moving = null;
    this.conn.close();
  }

  private onReady({ client, reason }: ConnectionReady): void {
    if (reason === 'first') this.hooks.connected();
    if (reason === 'moved') {
      this.moving = client;
      this.early = [];
    }
    client.on('media', (m) => {
      if (client === this.moving) this.commit(client);
      if (client === this.playing) this.hooks.media(m.typeId, m.timestamp, m.payload);
    });
    client.on('status', (s) => {
      // Play.Start, in the same read as the media after it (node-media-server
      // sends its GOP cache right behind it): the client plays from here,
      // before play()'s promise settles, so no message of the burst is lost.
      if (s.code === 'NetStream.Play.Start' && reason !== 'moved' && this.playing === null && this.conn.client === client) {
        this.playing = client;
        this.everStarted = true;
        this.hooks.started(reason);
      }
      // The playing client's statuses, and those that lead up to its start (Play.Reset).
      if (client === this.playing || (client === this.conn.client && client !== this.moving)) this.hooks.status(s);
    });
    client.on('data', (d) => {
      if (client === this.playing) this.hooks.data(d.data.name, d.data.values);
      else if (client === this.moving && this.early.length < MAX_EARLY_DATA) this.early.push(d.data);
    });
    client.on('stream-event', (ev) => client === this.playing && ev.event === 'StreamEOF' && this.hooks.streamEnded());
    void client.play(undefined, { bufferMs: Math.max(100, Math.round(this.o.bufferMs())) }).then(
      () => {
        // Started on its Play.Start status (above); a move takes over on its first media.
      },
      (e: unknown) => {
        if (this.closed) return;
        if (reason === 'moved' && client !== this.conn.client) {
          // The new server would not play it: stay where we are. (Once it has
          // taken over from an old server that dropped, it is the only one:
          // its failure is handled as any other below.)
          if (this.moving === client) this.moving = null;
          this.conn.abandonMove(client);
          this.hooks.report({ code: errorCode(e), message: `the reconnect request's server would not play the stream, staying: ${errorMessage(e)}`, fatal: false });
          return;
        }
        const serverCode = e instanceof RtmpError && typeof e.details?.code === 'string' ? e.details.code : undefined;
        if (serverCode === 'NetStream.Play.StreamNotFound') {
          this.end({ code: PlayerErrorCode.StreamNotFound, message: `stream not found (${serverCode})`, fatal: true, serverCode });
          return;
        }
        if (!this.everStarted) {
          this.end({ code: errorCode(e), message: errorMessage(e), fatal: true, ...(serverCode === undefined ? {} : { serverCode }) });
          return;
        }
        this.conn.drop(e instanceof RtmpError ? e : undefined);
      },
    );
  }

  /** The new server's first media: it is the one playing now, the old client closes. */
  private commit(client: RtmpClient): void {
    this.moving = null;
    if (!this.conn.commitMove(client)) return;
    this.playing = client;
    this.hooks.started('moved');
    this.passEarlyData();
  }

  /** The new server's data that came before it took over. */
  private passEarlyData(): void {
    const early = this.early;
    this.early = [];
    for (const d of early) if (!this.closed) this.hooks.data(d.name, d.values);
  }

  private onLost(client: RtmpClient, error: ConnectionErrorInfo, current: RtmpClient | null): void {
    if (this.closed) return;
    if (client === this.moving) {
      this.moving = null; // the move failed; the connection reports it
      return;
    }
    const stalled = this.stalled;
    this.stalled = null;
    // Only the playing client's loss is `lost`, once: a client that never
    // played (before the first Play.Start the report that follows ends it;
    // while reconnecting it is one more failed attempt) is not.
    if (client !== this.playing) return;
    if (current !== null && current === this.moving) {
      // The old server dropped mid-move: the new one has taken over already
      // (the connection made it current, so commitMove() would refuse it).
      this.moving = null;
      this.playing = current;
      this.hooks.started('moved');
      this.passEarlyData();
      return;
    }
    this.playing = null;
    this.hooks.lost(stalled ?? this.describe(error));
  }

  private onReport(info: ConnectionErrorInfo): void {
    if (this.closed) return;
    // Before the stream ever played, any failure ends it (nothing to fall back to).
    // A drop before it played is not CONNECTION_LOST (that code means
    // "it played, and we reconnect"): the core's code says what happened.
    if (!this.everStarted) {
      this.end(this.describe({ ...info, fatal: true, kind: info.kind === 'lost' ? 'attempt-failed' : info.kind }));
      return;
    }
    // Drops are `lost`; failed attempts while reconnecting are the reconnecting state itself.
    if (info.kind === 'move-failed') this.hooks.report(this.describe(info));
  }

  private end(info: PlayerErrorInfo): void {
    if (this.closed) return;
    this.close();
    this.hooks.failed({ ...info, fatal: true });
  }

  /** The connection's error as the player's. */
  private describe(info: ConnectionErrorInfo): PlayerErrorInfo {
    const out = (code: string, message: string): PlayerErrorInfo => ({ code, message, fatal: info.fatal, ...(info.serverCode === undefined ? {} : { serverCode: info.serverCode }) });
    switch (info.kind) {
      case 'transport-refused':
        return out(PlayerErrorCode.BridgeUnavailable, `the bridge refused the connection or is unreachable (is the server on its allowlist?): ${info.message}`);
      case 'url-invalid':
        return out(PlayerErrorCode.BadSource, info.message);
      case 'lost':
        return out(PlayerErrorCode.ConnectionLost, info.message);
      default:
        return out(info.code, info.message);
    }
  }
}

/** Data messages kept from a reconnect request's new server before its first media. */
const MAX_EARLY_DATA = 8;

function errorCode(e: unknown): string {
  return e instanceof RtmpError ? e.code : RtmpErrorCode.TransportError;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
