/**
 * The publisher's connection wiring, inside the worker: an
 * {@link RtmpConnection} (connect, drops, backoff, the retry/fatal policy,
 * Enhanced RTMP's reconnect request), publishing on each client it hands
 * out, the refusals only a publisher can see, and the switch to a reconnect
 * request's new server at a keyframe. Media is behind {@link PublisherMedia};
 * tags come in through {@link PublisherConnection.send}.
 *
 * ```text
 * ready (first | reconnected) ─publish→ Publish.Start: restart the media (headers, keyframe) → publishing
 * lost (nothing to stand on)  → reconnecting; the connection backs off and a `ready` follows
 * failed                      → the fatal error, mapped to the publisher's codes (see {@link ERROR_CODE_BY_KIND})
 * ready (moved) ─publish→ ask for a keyframe; the old client keeps the media until it comes;
 *   at the keyframe: metadata, sequence headers, the keyframe and all after → new client,
 *   unpublish on the old one, commitMove() (the connection closes it)
 * ```
 *
 * Refusals are fatal, never retried: an error status on publish
 * (NetStream.Publish.BadName…: PUBLISH_REFUSED with the status), a connect
 * rejection (the connection's `rejected`), or the server closing the
 * connection during `publish` or within {@link REFUSAL_WINDOW_MS} of the
 * first Publish.Start (nginx-rtmp drops the connection when `on_publish`
 * answers non-2xx; node-media-server closes it after Publish.Start on a
 * failed auth). A move's new server refusing the publish only abandons the
 * move: the old server still takes the stream.
 *
 * Every message passes through `redact()`: the stream key never leaves the
 * worker.
 */
import {
  connectCapabilityFields,
  FourCcInfoMask,
  peerHandles,
  RtmpConnection,
  RtmpError,
  RtmpErrorCode,
  redactStreamKey,
  type AmfValue,
  type ConnectionErrorInfo,
  type ConnectionErrorKind,
  type ConnectionLost,
  type ConnectionReady,
  type RtmpClient,
  type RtmpConnectionOptions,
  type RtmpStatus,
  type TransportFactory,
} from '@rtmp-web/core';
import type { MuxedTag } from './flv-muxer.ts';
import type { ConnectSettings } from './worker-protocol.ts';
import { PublisherErrorCode } from './publisher-errors.ts';

/** A close this soon after the first Publish.Start is a refusal, not a network drop. */
export const REFUSAL_WINDOW_MS = 3000;
/**
 * The reconnect backoff: the core's default (first retry after 125–250 ms,
 * doubling to 1–2 s), so a server that is back is published to again within
 * ~2 s, as the player plays it again. It was 500 ms → 5 s: the soak measured
 * 3.4–3.8 s from a restarted server accepting connections to the player's
 * first new picture, most of it the publisher's wait.
 */
export const RECONNECT_BACKOFF = { baseMs: 250, maxMs: 2000 } as const;
/**
 * Failed connection attempts in a row before we give up: with
 * {@link RECONNECT_BACKOFF}, 12–24 s of a server that does not answer.
 */
export const MAX_CONNECT_ATTEMPTS = 14;

/**
 * The publisher's code for each fatal kind of the connection's; kinds not
 * listed keep the core code underneath (CONNECT_REJECTED for `rejected`,
 * TRANSPORT_ERROR, TIMEOUT… for `gave-up`).
 */
export const ERROR_CODE_BY_KIND: Partial<Record<ConnectionErrorKind, string>> = {
  'transport-refused': PublisherErrorCode.BridgeUnavailable,
  'url-invalid': RtmpErrorCode.UrlInvalid,
};

/** The media side, as the connection wiring needs it. */
export interface PublisherMedia {
  /** A client took the stream from scratch: sequence headers again before the next frame, video from a keyframe. */
  restart(): void;
  /** Ask the encoder for a keyframe now (a move switches at it). */
  requestKeyframe(): void;
  /** onMetaData for a client, sent before its first tag. */
  metadata(): Record<string, AmfValue>;
  /** The current sequence headers, stamped `timestampMs`, for a client that takes the stream over mid-way. */
  sequenceHeaders(timestampMs: number): MuxedTag[];
  /** Whether the stream carries video: without it, a move switches at the next audio frame. */
  readonly hasVideo: boolean;
  /** The FourCCs the stream carries (null: no such track): declared in connect (CanEncode), and checked against what a server declares it takes. */
  readonly codecs: { readonly video: string | null; readonly audio: string | null };
}

/** An error for the page, already redacted. */
export interface PublisherConnectionError {
  code: string;
  message: string;
  fatal: boolean;
  /** The server's status code, when there is one. */
  status?: string;
}

/** What {@link PublisherConnection} tells its owner. */
export interface PublisherConnectionHandlers {
  /** A client carries the stream (`publishing`), or none does and the connection reconnects. */
  state(state: 'publishing' | 'reconnecting'): void;
  /** A server status, redacted. */
  status(code: string, level: string, description: string): void;
  /** A non-fatal error, or the fatal one (the connection is closed by then; nothing follows). */
  error(e: PublisherConnectionError): void;
}

/** Options for {@link PublisherConnection}. */
export interface PublisherConnectionOptions {
  connect: ConnectSettings;
  /** Makes each attempt's transport (the worker: a WebSocket through `connect.bridge`). */
  transport: TransportFactory;
  media: PublisherMedia;
  handlers: PublisherConnectionHandlers;
  /** Clock for the refusal window, ms. Default performance.now. */
  now?: () => number;
  /** For tests: overrides of the connection's options (jitter, clock, client options). */
  connection?: Pick<RtmpConnectionOptions, 'random' | 'now' | 'clientOptions' | 'timeoutMs' | 'backoff'>;
}

/** A client we publish on. */
interface Stream {
  readonly client: RtmpClient;
  readonly streamId: number;
  metadataSent: boolean;
}

/** See the file comment. */
export class PublisherConnection {
  readonly conn: RtmpConnection;
  /** The client the media goes to, once published. */
  private stream: Stream | null = null;
  /** A client whose publish (first or after a drop) is in flight. */
  private publishingOn: RtmpClient | null = null;
  /** A reconnect request's client: publishing (`streamId` null) or published, waiting for a keyframe. */
  private move: { client: RtmpClient; streamId: number | null } | null = null;
  private firstPublishedAt: number | null = null;
  private reconnectCount = 0;
  private movesDone = 0;
  private done = false;
  /** The last state told to the owner. */
  private told: 'publishing' | 'reconnecting' | null = null;
  private readonly now: () => number;

  constructor(private readonly o: PublisherConnectionOptions) {
    this.now = o.now ?? (() => performance.now());
    const { video, audio } = o.media.codecs;
    const encodes = (fourCc: string | null): Record<string, number> => (fourCc === null ? {} : { [fourCc]: FourCcInfoMask.CanEncode });
    const connectFields = connectCapabilityFields({ video: encodes(video), audio: encodes(audio) });
    this.conn = new RtmpConnection({
      url: o.connect.url,
      streamName: o.connect.streamKey,
      transport: o.transport,
      timeoutMs: 10_000,
      maxAttempts: MAX_CONNECT_ATTEMPTS,
      backoff: RECONNECT_BACKOFF,
      ...o.connection,
      clientOptions: { ...o.connection?.clientOptions, connectFields: { ...connectFields, ...o.connection?.clientOptions?.connectFields } },
    });
    this.conn.on('ready', (r) => this.onReady(r));
    this.conn.on('lost', (l) => this.onLost(l));
    this.conn.on('report', (e) => {
      if (!this.done) this.o.handlers.error(this.fromConnection(e, false));
    });
    this.conn.on('failed', (e) => this.fail(this.fromConnection(e, true)));
  }

  /** Starts connecting. */
  start(): void {
    this.conn.start();
  }

  /** True while a client carries the stream. */
  get publishing(): boolean {
    return this.stream !== null;
  }

  /** Reconnects after a drop that ended in a publish. */
  get reconnects(): number {
    return this.reconnectCount;
  }

  /** Moves to a reconnect request's server completed. */
  get moves(): number {
    return this.movesDone;
  }

  /** Bytes handed to the transports, across every client the connection has had. */
  get bytesSent(): number {
    return this.conn.stats.bytesSent;
  }

  /** Bytes queued in the transports, not yet sent. */
  get bufferedAmount(): number {
    return (this.stream?.client.bufferedAmount ?? 0) + (this.move !== null && this.move.client !== this.stream?.client ? this.move.client.bufferedAmount : 0);
  }

  /**
   * Sends a tag to the client that carries the stream; at a move's
   * boundary (a keyframe, or any audio frame without video), switches to
   * the new client first. Returns false when no client carries the stream.
   */
  send(t: MuxedTag): boolean {
    if (this.done) return false;
    const move = this.move;
    if (move !== null && move.streamId !== null && this.isBoundary(t)) this.switchTo(move.client, move.streamId, t.timestampMs);
    const s = this.stream;
    if (s === null) return false;
    try {
      if (!s.metadataSent) {
        s.metadataSent = true;
        s.client.sendMetadata(s.streamId, this.o.media.metadata());
      }
      s.client.sendMedia(s.streamId, t.typeId, t.timestampMs, t.body);
    } catch {
      // The client died under us; the connection's `lost` follows.
      return false;
    }
    return true;
  }

  /** The owner judges the link dead (the send queue overflowed): the connection drops it and reconnects. */
  drop(message: string): void {
    this.conn.drop(new RtmpError(RtmpErrorCode.TransportError, message));
  }

  /** Stops: unpublishes (FCUnpublish + deleteStream) where we publish, then closes everything. No event follows. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    for (const s of [this.stream, this.move]) {
      if (s === null || s.streamId === null) continue;
      try {
        s.client.unpublish(s.streamId, this.o.connect.streamKey);
      } catch {
        /* the connection is going anyway */
      }
    }
    this.stream = null;
    this.move = null;
    this.publishingOn = null;
    this.conn.close();
  }

  // ---- connection events ---------------------------------------------------

  private onReady(r: ConnectionReady): void {
    if (this.done) return;
    const { client } = r;
    const refused = this.refusedCodec(client);
    if (refused !== null) {
      if (r.reason === 'moved') {
        this.conn.abandonMove(client);
        this.o.handlers.error({ code: RtmpErrorCode.CodecUnsupported, message: `the reconnect request's server ${refused}, staying`, fatal: false });
      } else {
        this.fail({ code: RtmpErrorCode.CodecUnsupported, message: `the server ${refused}`, fatal: true });
      }
      return;
    }
    client.on('status', (st: RtmpStatus) => {
      if (!this.done && this.holds(client)) this.o.handlers.status(st.code, st.level, this.redact(st.description));
    });
    if (r.reason === 'moved') {
      this.move = { client, streamId: null };
    } else {
      this.publishingOn = client;
      if (r.reason === 'reconnected') this.reconnectCount++;
    }
    client.publish(this.o.connect.streamKey, 'live').then(
      (streamId) => this.onPublished(client, streamId),
      (e: unknown) => this.onPublishFailed(client, e),
    );
  }

  /** What the server declared it does not take of our codecs (Enhanced RTMP info maps in its connect `_result`), or null; a server that declares nothing takes anything. */
  private refusedCodec(client: RtmpClient): string | null {
    const peer = client.serverCapabilities;
    for (const kind of ['video', 'audio'] as const) {
      const fourCc = this.o.media.codecs[kind];
      if (fourCc !== null && peerHandles(peer, kind, fourCc, FourCcInfoMask.CanForward | FourCcInfoMask.CanDecode) === false) {
        return `declares that it does not take ${kind} "${fourCc}" (its ${kind}FourCcInfoMap: ${JSON.stringify(peer[kind] ?? peer.fourCcList)})`;
      }
    }
    return null;
  }

  private onPublished(client: RtmpClient, streamId: number): void {
    if (this.done) return;
    if (this.move?.client === client) {
      if (this.conn.client === client) {
        // The old client dropped while this one was publishing: it took over already.
        this.move = null;
        this.take(client, streamId);
        return;
      }
      this.move.streamId = streamId;
      // The old client keeps the media until the keyframe; audio alone switches at its next frame.
      if (this.o.media.hasVideo) this.o.media.requestKeyframe();
      return;
    }
    if (this.publishingOn !== client) return; // lost meanwhile
    this.publishingOn = null;
    this.firstPublishedAt ??= this.now();
    this.take(client, streamId);
  }

  private onPublishFailed(client: RtmpClient, e: unknown): void {
    if (this.done) return;
    const err = e instanceof RtmpError ? e : new RtmpError(RtmpErrorCode.TransportError, String(e), { cause: e });
    const status = typeof err.details?.code === 'string' && err.details.code !== '' ? err.details.code : undefined;
    if (this.move?.client === client) {
      // The new server would not take the stream: stay where we are.
      this.move = null;
      if (this.conn.abandonMove(client) || err.code === RtmpErrorCode.StreamFailed) {
        this.o.handlers.error({ code: RtmpErrorCode.PublishRefused, message: this.redact(`the reconnect request's server refused the publish, staying: ${err.message}`), fatal: false, ...(status ? { status } : {}) });
      }
      return;
    }
    if (this.publishingOn !== client) return; // lost: onLost decided
    this.publishingOn = null;
    if (err.code === RtmpErrorCode.StreamFailed) {
      this.fail({ code: RtmpErrorCode.PublishRefused, message: this.redact(`the server refused the publish: ${err.message}`), fatal: true, ...(status ? { status } : {}) });
      return;
    }
    this.fail({ code: RtmpErrorCode.PublishRefused, message: this.redact(`the publish failed: ${err.message}`), fatal: true });
  }

  private onLost(l: ConnectionLost): void {
    if (this.done) return;
    const { client, error } = l;
    if (this.move?.client === client) {
      // The move's client failed; the connection reports why (non-fatal).
      this.move = null;
      return;
    }
    if (error.fatal) return; // `failed` follows
    if (this.publishingOn === client) {
      // connect succeeded and the server hung up on publish: nginx-rtmp does exactly this when on_publish answers 403.
      this.publishingOn = null;
      this.fail({ code: RtmpErrorCode.PublishRefused, message: this.redact(`the server closed the connection when asked to publish (${error.message})`), fatal: true });
      return;
    }
    if (this.stream?.client !== client) return;
    this.stream = null;
    if (this.reconnectCount === 0 && this.movesDone === 0 && this.firstPublishedAt !== null && this.now() - this.firstPublishedAt < REFUSAL_WINDOW_MS) {
      // node-media-server answers a bad key with Publish.Start and closes at once.
      this.fail({
        code: RtmpErrorCode.PublishRefused,
        message: this.redact(`the server closed the connection right after Publish.Start (${error.message}): the stream key was probably refused`),
        fatal: true,
      });
      return;
    }
    const current = l.current;
    const move = this.move;
    if (current !== null && move?.client === current && move.streamId !== null) {
      // The old client went first, the move's client already publishing: it takes the stream from a keyframe.
      this.move = null;
      this.movesDone++;
      this.take(current, move.streamId);
      return;
    }
    // Nothing carries the stream until a `ready`, or until the move's publish completes.
    this.tell('reconnecting');
  }

  // ---- the stream ----------------------------------------------------------

  /** `client` carries the stream from scratch (a new connection): headers again, video from a keyframe. */
  private take(client: RtmpClient, streamId: number): void {
    this.stream = { client, streamId, metadataSent: false };
    this.o.media.restart();
    this.o.media.requestKeyframe();
    this.tell('publishing');
  }

  private tell(state: 'publishing' | 'reconnecting'): void {
    if (this.told === state) return;
    this.told = state;
    this.o.handlers.state(state);
  }

  /** A tag a move switches at: a video keyframe, or with no video, any audio frame. */
  private isBoundary(t: MuxedTag): boolean {
    if (t.header) return false;
    return this.o.media.hasVideo ? t.typeId === 9 && t.keyframe : t.typeId === 8;
  }

  /** The move's boundary: metadata and sequence headers to the new client, unpublish on the old, commit. */
  private switchTo(client: RtmpClient, streamId: number, timestampMs: number): void {
    const old = this.stream;
    this.move = null;
    try {
      client.sendMetadata(streamId, this.o.media.metadata());
      for (const h of this.o.media.sequenceHeaders(timestampMs)) client.sendMedia(streamId, h.typeId, h.timestampMs, h.body);
    } catch {
      this.conn.abandonMove(client); // the new client is gone: the old one stays
      return;
    }
    this.stream = { client, streamId, metadataSent: true };
    if (old !== null) {
      try {
        old.client.unpublish(old.streamId, this.o.connect.streamKey);
      } catch {
        /* closed below anyway */
      }
    }
    this.movesDone++;
    this.conn.commitMove(client);
  }

  // ---- errors --------------------------------------------------------------

  /** The one fatal funnel: closes the connection and tells the owner. */
  private fail(e: PublisherConnectionError): void {
    if (this.done) return;
    this.done = true;
    this.stream = null;
    this.move = null;
    this.publishingOn = null;
    this.conn.close();
    this.o.handlers.error({ ...e, fatal: true });
  }

  private fromConnection(e: ConnectionErrorInfo, fatal: boolean): PublisherConnectionError {
    const code = fatal ? (ERROR_CODE_BY_KIND[e.kind] ?? e.code) : e.code;
    return { code, message: this.redact(e.message), fatal, ...(e.serverCode !== undefined ? { status: e.serverCode } : {}) };
  }

  private holds(client: RtmpClient): boolean {
    return this.stream?.client === client || this.move?.client === client || this.publishingOn === client;
  }

  /** Removes the stream key from text that may leave the worker (whole tokens, see redactStreamKey). */
  private redact(text: string): string {
    return redactStreamKey(text, this.o.connect.streamKey);
  }
}
