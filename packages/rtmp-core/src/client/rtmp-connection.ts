/**
 * RtmpConnection: the one live RTMP connection that the player and the
 * publisher stand on. It makes an {@link RtmpClient} per attempt over a
 * transport from a factory (a WebSocket through the bridge in the browser,
 * TCP in Node, a fake in tests), reconnects with jittered backoff, decides
 * what is retried and what is fatal, counts bytes, and follows Enhanced
 * RTMP's reconnect request. The owner plays or publishes on the client each
 * `ready` event hands it; media is not this file's business.
 *
 * One state machine, one {@link RtmpConnection.transition} and one
 * {@link RtmpConnection.fail} funnel; per-state data in a discriminated union:
 *
 * ```text
 * idle ─start()→ connecting ─connect _result→ connected ─drop→ reconnecting ─_result→ connected …
 *                  │ ▲  failed attempt:        │  ▲ reconnect request:   │ ▲ failed attempt:
 *                  └─┘  backoff, again         └──┘ move (see below)     └─┘ backoff, again
 * idle / connecting / reconnecting ─fatal→ failed          any ─close()→ closed
 * ```
 *
 * Every attempt (and every client after it connects) has its own
 * AbortController: once an attempt is given up, replaced or closed, its
 * signal is aborted and its late callbacks do nothing. {@link RtmpConnection.close} aborts
 * all of them and clears the one timer this class holds (the backoff);
 * RtmpClient clears its own timeouts when it closes.
 *
 * Policy (see {@link classifyConnectionError}; `fatal` is the decision,
 * `kind` says what happened):
 *
 * | what happened | kind | fatal |
 * | --- | --- | --- |
 * | the URL does not parse | `url-invalid` | yes |
 * | the server refused `connect` (`_error`: NetConnection.Connect.Rejected, auth…), or sent Connect.Rejected later | `rejected` | yes |
 * | before ever connecting, the transport never opened (the bridge refused the target or is down: `details.opened === false`), or the factory threw | `transport-refused` | yes |
 * | before ever connecting, not RTMP (bad handshake version, garbage after it) | `protocol` | yes |
 * | `maxAttempts` failed attempts in a row | `gave-up` | yes |
 * | a connected client dropped (closed, transport error, server `close`, a protocol error) | `lost` | no: backoff, reconnect |
 * | an attempt timed out | `timeout` | no: backoff, again |
 * | any other failed attempt (TCP refused, closed in the handshake, the bridge refusing after we had been connected) | `attempt-failed` | no: backoff, again |
 * | the address a reconnect request named failed (any cause), or its tcUrl is unusable | `move-failed` | no: stay where we are |
 *
 * While a reconnect request is pending, no attempt failure is fatal: the
 * server itself sent us elsewhere.
 *
 * The reconnect request (E-RTMP v2, "Reconnect Request"): `capsEx`
 * Reconnect is advertised in `connect`. When a client we hold receives
 * NetConnection onStatus `NetConnection.Connect.ReconnectRequest`, its
 * `tcUrl` is resolved against that client's ({@link resolveReconnectUrl}),
 * and then:
 *
 * - connected: make before break. The current client keeps flowing, a
 *   second client connects to the new address and is handed out with
 *   `ready` reason `moved`; the owner starts playing/publishing on it and
 *   calls {@link RtmpConnection.commitMove} at its media boundary (the publisher at its
 *   next keyframe, the player once the new stream starts), which closes the
 *   old client. If the new address fails, the current client stays, with a
 *   non-fatal `report` (and `lost` for the new client if it had been handed
 *   out). A second request replaces a move in flight. If the old client
 *   drops first, the new one becomes current (`lost` names it), or, not yet
 *   connected, it is the reconnect attempt;
 * - connecting or reconnecting (the request came on the attempt in flight):
 *   remembered; if that attempt connects we move from it at once, else the
 *   next attempt goes to the new address. A requested address gets that one
 *   attempt; after it, attempts go back to the address we were on.
 *
 * At most {@link MAX_RECONNECT_REQUESTS} requests a minute are followed, so
 * servers that send each other's clients back and forth cannot keep it
 * moving for ever.
 */
import { RtmpError, RtmpErrorCode, assert } from '../errors.ts';
import { TypedEmitter } from '../events/typed-emitter.ts';
import { CapsExMask, type RtmpStatus } from '../session/client-session.ts';
import { RECONNECT_REQUEST_CODE, resolveReconnectUrl } from '../url/reconnect-url.ts';
import { formatRtmpUrlForLog, parseRtmpUrl, type RtmpUrl } from '../url/rtmp-url.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { RtmpClient, type RtmpClientOptions } from './rtmp-client.ts';
import type { RtmpTransport, TransportHandlers } from './transport.ts';

/** Failed attempts in a row before {@link RtmpConnection} gives up, by default. */
export const DEFAULT_MAX_ATTEMPTS = 10;
/** Reconnect requests followed per {@link RECONNECT_REQUEST_WINDOW_MS}; more are reported and ignored. */
export const MAX_RECONNECT_REQUESTS = 8;
/** The window {@link MAX_RECONNECT_REQUESTS} counts in, ms. */
export const RECONNECT_REQUEST_WINDOW_MS = 60_000;

/** States of {@link RtmpConnection}; see the file comment. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';

/** Where a transport must connect: the RTMP server's host and port, and whether over TLS (rtmps://). */
export interface ConnectionTarget {
  host: string;
  port: number;
  tls: boolean;
}

/**
 * Makes a new, unopened transport to `target`, once per attempt. It may
 * throw (e.g. a malformed bridge URL): that attempt then fails as if the
 * transport had never opened.
 */
export type TransportFactory = (target: ConnectionTarget) => RtmpTransport;

/** Options for {@link RtmpConnection}. */
export interface RtmpConnectionOptions {
  /** rtmp:// or rtmps:// URL. With `streamName` unset, its last path element is the stream name. */
  url: string;
  /** The stream name (or key), when it is not part of `url`. */
  streamName?: string;
  /** Makes each attempt's transport. */
  transport: TransportFactory;
  /** Timeout of each attempt (transport + handshake + connect) and of each client request, ms. Default 10,000. */
  timeoutMs?: number;
  /** Reconnect backoff (see {@link backoffDelay}). */
  backoff?: BackoffOptions;
  /** Failed attempts in a row before giving up (fatal `gave-up`). Default {@link DEFAULT_MAX_ATTEMPTS}; `Infinity` never gives up. */
  maxAttempts?: number;
  /** `capsEx` advertised in `connect` ({@link CapsExMask} bits). Default Reconnect; without that bit reconnect requests are ignored. */
  capsEx?: number;
  /** Random source in [0, 1) for the backoff's jitter. Default `backoff.random`, else Math.random. */
  random?: () => number;
  /** Clock for timings, ms. Default performance.now. */
  now?: () => number;
  /** Everything else each RtmpClient is given (flashVer, connectFields such as fourCcList, handshake, caps…). */
  clientOptions?: Omit<RtmpClientOptions, 'url' | 'streamName' | 'transport' | 'timeoutMs' | 'capsEx'>;
}

/** What happened, as {@link classifyConnectionError} sees it; see the policy table in the file comment. */
export const ConnectionErrorKind = {
  UrlInvalid: 'url-invalid',
  Rejected: 'rejected',
  TransportRefused: 'transport-refused',
  Protocol: 'protocol',
  GaveUp: 'gave-up',
  Lost: 'lost',
  Timeout: 'timeout',
  AttemptFailed: 'attempt-failed',
  MoveFailed: 'move-failed',
} as const;

/** One of {@link ConnectionErrorKind}'s values. */
export type ConnectionErrorKind = (typeof ConnectionErrorKind)[keyof typeof ConnectionErrorKind];

/**
 * An error as the connection reports it: the elements' detail shape
 * (`code`, `message`, `fatal`, `serverCode`) plus `kind`, for the owner to
 * map onto its own codes (e.g. `transport-refused` → BRIDGE_UNAVAILABLE).
 * Messages hold no stream name; a server's description passes through.
 */
export interface ConnectionErrorInfo {
  /** The core's code for the error underneath (TRANSPORT_ERROR, CONNECT_REJECTED, TIMEOUT…). */
  code: RtmpErrorCode;
  /** Human-readable. */
  message: string;
  /** True when the connection has given up (the `failed` event). */
  fatal: boolean;
  /** The server's onStatus / `_error` code, as it came, when there is one. */
  serverCode?: string;
  /** What happened. */
  kind: ConnectionErrorKind;
}

/** What {@link classifyConnectionError} needs to know besides the error. */
export interface ConnectionErrorContext {
  /** What failed: an attempt to connect, a connected client, or the address a reconnect request named. */
  phase: 'attempt' | 'connected' | 'move';
  /** Whether the connection has been connected (a connect `_result`) at least once. */
  everConnected: boolean;
}

/** Why a client is handed out: the first connection, a reconnect after a drop, or a reconnect request's new address (commit with {@link RtmpConnection.commitMove}). */
export type ReadyReason = 'first' | 'reconnected' | 'moved';

/** The `ready` event: a connected client (connect `_result` received) to play or publish on. */
export interface ConnectionReady {
  client: RtmpClient;
  reason: ReadyReason;
  /** Where it is connected, safe to log (stream name redacted). */
  url: string;
}

/** The `lost` event: a client handed out by `ready` is gone; stop using it. */
export interface ConnectionLost {
  client: RtmpClient;
  error: ConnectionErrorInfo;
  /** The client the connection now stands on (the old one after a failed move, the new one after the old dropped), or null: reconnecting, a `ready` follows. */
  current: RtmpClient | null;
}

/** The `reconnect-request` event: a server asked us to move, and we do. */
export interface ConnectionReconnectRequest {
  /** The address we move to, safe to log. */
  url: string;
  /** The server's description, as it came. */
  description: string;
}

/** Events of {@link RtmpConnection}. */
export interface RtmpConnectionEvents {
  [key: string]: unknown;
  /** Every state change. */
  state: ConnectionState;
  /** A connected client to play or publish on. */
  ready: ConnectionReady;
  /** A client handed out is gone. Comes after `state`, before the `report` of its error. */
  lost: ConnectionLost;
  /** A reconnect request is being followed. */
  'reconnect-request': ConnectionReconnectRequest;
  /** A non-fatal error: each failed attempt, each drop, each failed move. */
  report: ConnectionErrorInfo;
  /** The fatal error; the connection is `failed` and holds nothing any more. */
  failed: ConnectionErrorInfo;
}

/** Counters and timings of {@link RtmpConnection}, for stats. */
export interface ConnectionStats {
  /** Bytes received, across every client of the connection. */
  bytesReceived: number;
  /** Bytes sent, across every client of the connection. */
  bytesSent: number;
  /** Clients started (attempts and moves). */
  attempts: number;
  /** Failed attempts in a row, now. */
  failedAttempts: number;
  /** From the start of the last attempt that connected to its connect `_result`, ms; null before any. */
  connectMs: number | null;
  /** Connected clients lost. */
  drops: number;
  /** Connected again after a drop. */
  reconnects: number;
  /** Moves completed (committed, or the new client took over when the old dropped). */
  moves: number;
}

/**
 * The connection's policy as a pure function, for the sessions to share:
 * what `error` means in `context`, and whether it is fatal. See the table
 * in the file comment. Anything that is not an {@link RtmpError} counts as
 * a transport error.
 */
export function classifyConnectionError(error: unknown, context: ConnectionErrorContext): ConnectionErrorInfo {
  const e = error instanceof RtmpError ? error : new RtmpError(RtmpErrorCode.TransportError, String(error), { cause: error });
  const raw = e.details?.code;
  const serverCode = typeof raw === 'string' && raw !== '' ? raw : undefined;
  const info = (kind: ConnectionErrorKind, fatal: boolean, message = e.message): ConnectionErrorInfo =>
    serverCode === undefined ? { code: e.code, message, fatal, kind } : { code: e.code, message, fatal, kind, serverCode };
  if (context.phase === 'move') return info(ConnectionErrorKind.MoveFailed, false, `the reconnect request's address failed, staying: ${e.message}`);
  if (e.code === RtmpErrorCode.ConnectRejected || serverCode === 'NetConnection.Connect.Rejected') return info(ConnectionErrorKind.Rejected, true);
  if (context.phase === 'connected') return info(ConnectionErrorKind.Lost, false, `connection lost: ${e.message}`);
  if (e.code === RtmpErrorCode.UrlInvalid) return info(ConnectionErrorKind.UrlInvalid, true);
  if (e.code === RtmpErrorCode.Timeout) return info(ConnectionErrorKind.Timeout, false);
  const transport = e.code === RtmpErrorCode.TransportError || e.code === RtmpErrorCode.TransportClosed;
  if (!context.everConnected && transport && e.details?.opened === false) {
    return info(
      ConnectionErrorKind.TransportRefused,
      true,
      `the transport never opened (is the bridge running, and the server on its allowlist?): ${e.message}`,
    );
  }
  if (!context.everConnected && !transport) return info(ConnectionErrorKind.Protocol, true, `not an RTMP server, or a broken one: ${e.message}`);
  return info(ConnectionErrorKind.AttemptFailed, false);
}

/** One client of the connection, from its attempt to its close. */
interface Leg {
  /** Aborted when the leg is retired: its late callbacks do nothing. */
  readonly controller: AbortController;
  readonly client: RtmpClient;
  /** Where it connects (tcUrl and the stream name). */
  readonly url: RtmpUrl;
  readonly startedAt: number;
  /** Connect `_result` received. */
  connected: boolean;
  /** Given to the owner by `ready`. */
  handedOut: boolean;
}

/** Connecting or reconnecting: an attempt in flight, or a backoff running (never both). */
interface RetryingState {
  name: 'connecting' | 'reconnecting';
  attempt: Leg | null;
  retryTimer: ReturnType<typeof setTimeout> | null;
  /** The address the connection is on; attempts go here. */
  home: RtmpUrl;
  /** A reconnect request's address: the next attempt goes there, once. */
  requested: RtmpUrl | null;
}

/** Connected: the current client, and a move's client when a reconnect request is being followed. */
interface ConnectedState {
  name: 'connected';
  current: Leg;
  move: Leg | null;
}

type StateData =
  | { name: 'idle' }
  | RetryingState
  | ConnectedState
  | { name: 'closed' }
  | { name: 'failed'; error: ConnectionErrorInfo };

const ALLOWED: Record<ConnectionState, readonly ConnectionState[]> = {
  idle: ['connecting', 'closed', 'failed'],
  connecting: ['connected', 'closed', 'failed'],
  connected: ['reconnecting', 'closed', 'failed'],
  reconnecting: ['connected', 'closed', 'failed'],
  closed: [],
  failed: [],
};

/** Stands in for a transport the factory could not make: its open() fails as a bridge that never opened. */
class UnavailableTransport implements RtmpTransport {
  readonly bufferedAmount = 0;
  constructor(private readonly error: RtmpError) {}
  open(_handlers: TransportHandlers): Promise<void> {
    return Promise.reject(this.error);
  }
  send(_bytes: Uint8Array): void {}
  close(): void {}
}

/** See the file comment. */
export class RtmpConnection extends TypedEmitter<RtmpConnectionEvents> {
  private s: StateData = { name: 'idle' };
  private readonly factory: TransportFactory;
  private readonly urlText: string;
  private readonly streamName: string | undefined;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;
  private readonly capsEx: number;
  private readonly now: () => number;
  private readonly clientOptions: RtmpConnectionOptions['clientOptions'];
  private everConnected = false;
  private failures = 0;
  /** When the last followed reconnect requests came (at most {@link MAX_RECONNECT_REQUESTS}). */
  private readonly requestTimes: number[] = [];
  /** Bytes of retired clients. */
  private bytesInBase = 0;
  private bytesOutBase = 0;
  private attempts = 0;
  private connectMs: number | null = null;
  private drops = 0;
  private reconnects = 0;
  private moves = 0;

  constructor(options: RtmpConnectionOptions) {
    super();
    if (typeof options?.url !== 'string') throw new TypeError('RtmpConnection: options.url must be a string');
    if (options.streamName !== undefined && typeof options.streamName !== 'string') throw new TypeError('RtmpConnection: options.streamName must be a string');
    if (typeof options.transport !== 'function') throw new TypeError('RtmpConnection: options.transport must be a function that makes a transport');
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) throw new TypeError('RtmpConnection: options.timeoutMs must be a positive number');
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!(maxAttempts >= 1 && (Number.isInteger(maxAttempts) || maxAttempts === Infinity))) {
      throw new TypeError('RtmpConnection: options.maxAttempts must be an integer ≥ 1, or Infinity');
    }
    const capsEx = options.capsEx ?? CapsExMask.Reconnect;
    if (!(Number.isInteger(capsEx) && capsEx >= 0)) throw new TypeError('RtmpConnection: options.capsEx must be an integer ≥ 0');
    this.urlText = options.url;
    this.streamName = options.streamName;
    this.factory = options.transport;
    this.timeoutMs = timeoutMs;
    this.maxAttempts = maxAttempts;
    this.capsEx = capsEx;
    const random = options.random ?? options.backoff?.random;
    this.backoff = random === undefined ? { ...options.backoff } : { ...options.backoff, random };
    this.now = options.now ?? (() => performance.now());
    this.clientOptions = options.clientOptions;
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.s.name;
  }

  /** The client the connection stands on while `connected` (not a move's new client before it is committed), else null. */
  get client(): RtmpClient | null {
    return this.s.name === 'connected' ? this.s.current.client : null;
  }

  /** Where the connection is, or is going back to, safe to log; empty before start() and after the end. */
  get url(): string {
    const s = this.s;
    if (s.name === 'connected') return formatRtmpUrlForLog(s.current.url);
    if (s.name === 'connecting' || s.name === 'reconnecting') return formatRtmpUrlForLog(s.home);
    return '';
  }

  /** Counters and timings; bytes include every client the connection has had. */
  get stats(): ConnectionStats {
    let bytesReceived = this.bytesInBase;
    let bytesSent = this.bytesOutBase;
    for (const leg of this.legs()) {
      if (leg.controller.signal.aborted) continue; // banked already
      bytesReceived += leg.client.bytesReceived;
      bytesSent += leg.client.bytesSent;
    }
    return {
      bytesReceived,
      bytesSent,
      attempts: this.attempts,
      failedAttempts: this.failures,
      connectMs: this.connectMs,
      drops: this.drops,
      reconnects: this.reconnects,
      moves: this.moves,
    };
  }

  /** Starts connecting. Never throws for what the network or the URL does: that comes as events. */
  start(): void {
    if (this.s.name !== 'idle') {
      throw new RtmpError(RtmpErrorCode.InvalidState, `RtmpConnection.start() called when ${this.s.name}`, { fatal: false });
    }
    let home: RtmpUrl;
    try {
      home = parseRtmpUrl(this.urlText, this.streamName === undefined ? {} : { streamName: this.streamName });
    } catch (e) {
      this.fail(classifyConnectionError(e, { phase: 'attempt', everConnected: false }));
      return;
    }
    const s: RetryingState = { name: 'connecting', attempt: null, retryTimer: null, home, requested: null };
    this.transition(s);
    if (this.still(s)) this.attemptNow(s); // a `state` listener may have closed us
  }

  /**
   * Completes a move: `client` (handed out with `ready` reason `moved`)
   * becomes current and the old client is closed. Call it at the media
   * boundary, once the new client carries the stream. Returns false, doing
   * nothing, when `client` is not the move's connected client (replaced,
   * failed, or already current because the old one dropped).
   */
  commitMove(client: RtmpClient): boolean {
    const s = this.s;
    if (s.name !== 'connected' || s.move === null || s.move.client !== client || !s.move.connected) return false;
    const old = s.current;
    s.current = s.move;
    s.move = null;
    this.moves++;
    this.retire(old);
    return true;
  }

  /**
   * Gives up a move from the owner's side (e.g. the new server would not
   * play the stream): closes its client and stays on the current one.
   * Returns false when `client` is not the move's client.
   */
  abandonMove(client: RtmpClient): boolean {
    const s = this.s;
    if (s.name !== 'connected' || s.move === null || s.move.client !== client) return false;
    const move = s.move;
    s.move = null;
    this.retire(move);
    return true;
  }

  /**
   * The owner judged the current client dead (e.g. no bytes for a while):
   * it goes as if it had dropped (`lost`, `report`, backoff, reconnect; a
   * move's connected client takes over). Returns false when not connected.
   */
  drop(error?: RtmpError): boolean {
    const s = this.s;
    if (s.name !== 'connected') return false;
    this.onLegEnded(s.current, error ?? new RtmpError(RtmpErrorCode.TransportError, 'the connection was given up as dead'));
    return true;
  }

  /** Closes every client, stops every timer; nothing happens after it. */
  close(): void {
    if (this.s.name === 'closed' || this.s.name === 'failed') return;
    this.teardown();
    this.transition({ name: 'closed' });
  }

  // ---- state machine -------------------------------------------------------

  /** The one way the state changes name. */
  private transition(next: StateData): void {
    const from = this.s.name;
    assert(ALLOWED[from].includes(next.name), `RtmpConnection cannot go from ${from} to ${next.name}`);
    this.s = next;
    this.emit('state', next.name);
  }

  /** The one failure funnel: gives everything up and emits `failed`. */
  private fail(error: ConnectionErrorInfo): void {
    if (this.s.name === 'closed' || this.s.name === 'failed') return;
    const info = { ...error, fatal: true };
    this.teardown();
    this.transition({ name: 'failed', error: info });
    this.emit('failed', info);
  }

  private teardown(): void {
    const s = this.s;
    if (s.name === 'connecting' || s.name === 'reconnecting') {
      if (s.retryTimer !== null) clearTimeout(s.retryTimer);
      s.retryTimer = null;
    }
    for (const leg of this.legs()) this.retire(leg);
  }

  /** True while `state` is still the state: a listener called from an emit may have changed it. */
  private still(state: StateData): boolean {
    return this.s === state;
  }

  /** The clients the current state holds. */
  private legs(): Leg[] {
    const s = this.s;
    if (s.name === 'connecting' || s.name === 'reconnecting') return s.attempt === null ? [] : [s.attempt];
    if (s.name === 'connected') return s.move === null ? [s.current] : [s.current, s.move];
    return [];
  }

  // ---- clients -------------------------------------------------------------

  /** Makes a client to `url`, not yet connecting: store it in the state, then {@link launch} it. */
  private openLeg(url: RtmpUrl): Leg {
    let transport: RtmpTransport;
    try {
      transport = this.factory({ host: url.host, port: url.port, tls: url.secure });
    } catch (e) {
      transport = new UnavailableTransport(
        new RtmpError(RtmpErrorCode.TransportError, `could not make a transport to ${formatRtmpUrlForLog(url)}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
          details: { opened: false },
        }),
      );
    }
    const client = new RtmpClient({
      ...this.clientOptions,
      url: url.tcUrl,
      streamName: url.streamName,
      transport,
      timeoutMs: this.timeoutMs,
      capsEx: this.capsEx,
    });
    this.attempts++;
    return { controller: new AbortController(), client, url, startedAt: this.now(), connected: false, handedOut: false };
  }

  /**
   * Connects a leg already in the state. Callbacks may come synchronously
   * (a transport that fails inside open()), so callers do nothing after it.
   */
  private launch(leg: Leg): void {
    const { signal } = leg.controller;
    const { client } = leg;
    client.on('status', (st: RtmpStatus) => {
      if (!signal.aborted && st.streamId === 0 && st.code === RECONNECT_REQUEST_CODE) this.onReconnectRequest(leg, st);
    });
    client.on('close', ({ error }) => {
      if (!signal.aborted) this.onLegEnded(leg, error ?? new RtmpError(RtmpErrorCode.TransportClosed, 'the connection closed'));
    });
    client.connect().then(
      () => {
        if (!signal.aborted) this.onLegConnected(leg);
      },
      (e: unknown) => {
        if (!signal.aborted) this.onLegEnded(leg, e);
      },
    );
  }

  /** Aborts a leg (its callbacks go quiet), closes its client and banks its bytes. Idempotent. */
  private retire(leg: Leg): void {
    if (leg.controller.signal.aborted) return;
    leg.controller.abort();
    // Banked first: listeners of the client's close may read the stats.
    this.bytesInBase += leg.client.bytesReceived;
    this.bytesOutBase += leg.client.bytesSent;
    leg.client.close();
  }

  private attemptNow(s: RetryingState): void {
    const leg = this.openLeg(s.requested ?? s.home);
    s.attempt = leg;
    this.launch(leg);
  }

  private scheduleRetry(s: RetryingState): void {
    assert(s.attempt === null && s.retryTimer === null, 'one attempt or one backoff at a time');
    const delay = backoffDelay(this.failures, this.backoff);
    s.retryTimer = setTimeout(() => {
      s.retryTimer = null;
      if (this.still(s)) this.attemptNow(s);
    }, delay);
  }

  private handOut(leg: Leg, reason: ReadyReason): void {
    leg.handedOut = true;
    this.emit('ready', { client: leg.client, reason, url: formatRtmpUrlForLog(leg.url) });
  }

  /** A leg's connect `_result` came. */
  private onLegConnected(leg: Leg): void {
    leg.connected = true;
    this.connectMs = Math.max(0, this.now() - leg.startedAt);
    const s = this.s;
    if ((s.name === 'connecting' || s.name === 'reconnecting') && s.attempt === leg) {
      const reason: ReadyReason = this.everConnected ? 'reconnected' : 'first';
      if (reason === 'reconnected') this.reconnects++;
      this.everConnected = true;
      this.failures = 0;
      const requested = s.requested;
      const next: ConnectedState = { name: 'connected', current: leg, move: null };
      this.transition(next);
      this.handOut(leg, reason);
      // The request came on this very attempt: move from here at once.
      if (requested !== null && requested !== leg.url && this.still(next) && next.move === null) this.startMove(next, requested);
      return;
    }
    assert(s.name === 'connected' && s.move === leg, 'a connected leg is the attempt or the move');
    this.handOut(leg, 'moved');
  }

  /** A leg failed before connecting, or dropped after. */
  private onLegEnded(leg: Leg, error: unknown): void {
    const s = this.s;
    this.retire(leg);
    if (s.name === 'connecting' || s.name === 'reconnecting') {
      assert(s.attempt === leg, 'the leg that ended is the attempt');
      s.attempt = null;
      this.onAttemptFailed(s, leg, error);
      return;
    }
    assert(s.name === 'connected', 'legs live only while connecting or connected');
    if (s.move === leg) {
      s.move = null;
      const info = classifyConnectionError(error, { phase: 'move', everConnected: true });
      if (leg.handedOut) this.emit('lost', { client: leg.client, error: info, current: s.current.client });
      this.emit('report', info);
      return;
    }
    assert(s.current === leg, 'the leg that ended is current');
    this.drops++;
    const info = classifyConnectionError(error, { phase: 'connected', everConnected: true });
    if (info.fatal) {
      // Rejected after connecting (onStatus NetConnection.Connect.Rejected): no reconnect.
      this.emit('lost', { client: leg.client, error: info, current: null });
      this.fail(info);
      return;
    }
    const move = s.move;
    if (move !== null && move.connected) {
      // The old client went first: the move's client takes over.
      s.current = move;
      s.move = null;
      this.moves++;
      this.emit('lost', { client: leg.client, error: info, current: move.client });
      this.emit('report', info);
      return;
    }
    // Nothing to stand on: reconnect. A move's attempt in flight becomes the reconnect attempt.
    const next: RetryingState = { name: 'reconnecting', attempt: move, retryTimer: null, home: leg.url, requested: move === null ? null : move.url };
    this.transition(next);
    this.emit('lost', { client: leg.client, error: info, current: null });
    this.emit('report', info);
    if (this.still(next) && next.attempt === null && next.retryTimer === null) this.scheduleRetry(next);
  }

  private onAttemptFailed(s: RetryingState, leg: Leg, error: unknown): void {
    let info = classifyConnectionError(error, { phase: 'attempt', everConnected: this.everConnected });
    if (s.requested !== null) {
      // A server sent us elsewhere: nothing is fatal. The requested address gets this one attempt.
      if (leg.url === s.requested) {
        s.requested = null;
        info = classifyConnectionError(error, { phase: 'move', everConnected: this.everConnected });
      } else {
        info = { ...info, fatal: false };
      }
    }
    if (info.fatal) {
      this.fail(info);
      return;
    }
    this.failures++;
    if (this.failures >= this.maxAttempts) {
      this.fail({ ...info, kind: ConnectionErrorKind.GaveUp, message: `gave up after ${this.failures} failed attempts in a row: ${info.message}` });
      return;
    }
    this.emit('report', info);
    if (this.still(s) && s.attempt === null && s.retryTimer === null) this.scheduleRetry(s);
  }

  // ---- reconnect request ---------------------------------------------------

  private onReconnectRequest(leg: Leg, status: RtmpStatus): void {
    if ((this.capsEx & CapsExMask.Reconnect) === 0) return; // not offered: not followed
    let target: RtmpUrl;
    try {
      target = resolveReconnectUrl(status.info.tcUrl, leg.url);
    } catch (e) {
      this.emit('report', classifyConnectionError(e, { phase: 'move', everConnected: this.everConnected }));
      return;
    }
    if (!this.admitRequest()) {
      this.emit('report', {
        code: RtmpErrorCode.CommandInvalid,
        message: `more than ${MAX_RECONNECT_REQUESTS} reconnect requests in ${RECONNECT_REQUEST_WINDOW_MS / 1000} s: this one is ignored`,
        fatal: false,
        kind: ConnectionErrorKind.MoveFailed,
        serverCode: RECONNECT_REQUEST_CODE,
      });
      return;
    }
    this.emit('reconnect-request', { url: formatRtmpUrlForLog(target), description: status.description });
    const s = this.s;
    if (s.name === 'connecting' || s.name === 'reconnecting') {
      if (s.attempt === leg) s.requested = target;
    } else if (s.name === 'connected' && (s.current === leg || s.move === leg)) {
      this.startMove(s, target);
    }
  }

  /** Starts a move to `target`, replacing one in flight. */
  private startMove(s: ConnectedState, target: RtmpUrl): void {
    const replaced = s.move;
    s.move = null;
    if (replaced !== null) this.retire(replaced);
    const move = this.openLeg(target);
    s.move = move;
    if (replaced !== null && replaced.handedOut) {
      const info: ConnectionErrorInfo = {
        code: RtmpErrorCode.TransportClosed,
        message: 'the move was replaced by a newer reconnect request',
        fatal: false,
        kind: ConnectionErrorKind.MoveFailed,
      };
      this.emit('lost', { client: replaced.client, error: info, current: s.current.client });
    }
    if (this.still(s) && s.move === move) this.launch(move);
  }

  /** True when a reconnect request may be followed (at most {@link MAX_RECONNECT_REQUESTS} a window). */
  private admitRequest(): boolean {
    const now = this.now();
    while (this.requestTimes.length > 0 && now - (this.requestTimes[0] ?? now) >= RECONNECT_REQUEST_WINDOW_MS) this.requestTimes.shift();
    if (this.requestTimes.length >= MAX_RECONNECT_REQUESTS) return false;
    this.requestTimes.push(now);
    return true;
  }
}
