/**
 * The bridge server: HTTP (`/healthz`, `/metrics`) and WebSocket upgrades,
 * each of which, once admitted, becomes one {@link BridgeConnection}.
 *
 * Admission runs in the upgrade handler, before the 101 and in this order, so
 * the cheap checks come first and a refused client costs no DNS and no
 * outbound connection: shutdown → upgrade headers → connection limits →
 * Origin → query syntax → token → allowlist → DNS → resolved addresses →
 * connect (to the checked address) → upgrade. A refusal is a plain HTTP
 * response; policy refusals are all the same 403 (see refusal.ts).
 */
import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Allowlist, authorizeTarget, parseTargetSpec, systemLookup, type AllowEntry, type AllowedTarget, type Lookup } from './allowlist.ts';
import { BridgeConnection, type CloseReason, type ConnectionStats, type ConnectionSummary } from './bridge-connection.ts';
import { clientIpOf } from './client-ip.ts';
import type { IpAddress } from './ip-address.ts';
import { createBridgeMetrics, type BridgeMetrics } from './metrics.ts';
import { DEFAULT_ORIGINS, OriginPolicy } from './origin-policy.ts';
import { REFUSAL_STATUS, RefusalReason } from './refusal.ts';
import { connectTarget, type ConnectTarget } from './target-connection.ts';
import { assertTokenSecret, verifyToken } from './token.ts';

/** Options for {@link createBridge}. Limits left out take the values in {@link DEFAULT_LIMITS}. */
export interface BridgeOptions {
  /** Target allowlist entries (`host:port`, `[v6]:port`, `*.suffix:port`). Default: none, so nothing is reachable. */
  allow?: Iterable<string | AllowEntry>;
  /** Allowed Origin patterns (see {@link OriginPolicy}). Default: {@link DEFAULT_ORIGINS}, this machine only. */
  origins?: readonly string[];
  /** Require HMAC tokens signed with this secret (at least 16 bytes). Default: no token needed. */
  tokenSecret?: string | Uint8Array;
  /** Serve wss:// with this certificate and key (PEM). Default: plain ws://, e.g. behind a TLS proxy. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Take the client IP from the last X-Forwarded-For entry. Only behind exactly one trusted proxy. */
  trustProxy?: boolean;
  /** CAs to trust for rtmps:// targets instead of Node's bundled roots. */
  targetCa?: string | Buffer | readonly (string | Buffer)[];
  /** Skip certificate verification for rtmps:// targets. For tests only. */
  insecureTls?: boolean;
  /** Most bridged connections open at once (pending upgrades included). */
  maxConnections?: number;
  /** Most bridged connections open at once per client IP. */
  maxConnectionsPerIp?: number;
  /** Largest WebSocket message accepted from a client, in bytes; more closes with 1009. */
  maxPayload?: number;
  /** Most fragments in one WebSocket message; more closes with 1008 (browsers never fragment). */
  maxFragments?: number;
  /** Pause reading from the target while more than this many bytes wait for the client. */
  highWaterMark?: number;
  /** Time from the upgrade request to the 101, DNS and connect included; also the HTTP header timeout. */
  handshakeTimeoutMs?: number;
  /** Time to connect (and finish TLS) to the target. */
  connectTimeoutMs?: number;
  /** Close a connection after this long without a byte either way. */
  idleTimeoutMs?: number;
  /** Ping every client this often; one without a pong by the next ping is terminated. */
  pingIntervalMs?: number;
  /** How long {@link Bridge.close} lets connections drain before closing them with 1001. */
  drainTimeoutMs?: number;
  /** Resolves target names. Default: the system resolver. Tests inject one. */
  lookup?: Lookup;
  /** Opens target connections. Default: {@link connectTarget}. Tests inject a spy. */
  connect?: ConnectTarget;
  /** Receives one entry per connection and per refusal. Default: JSON lines on stdout. `false`: no log. */
  log?: ((entry: BridgeLogEntry) => void) | false;
  /** Also export Node process metrics (CPU, memory, event loop). Default false. */
  collectDefaultMetrics?: boolean;
}

/** The limits used when {@link BridgeOptions} leaves them out. */
export const DEFAULT_LIMITS = {
  maxConnections: 1000,
  maxConnectionsPerIp: 16,
  maxPayload: 1024 * 1024,
  maxFragments: 1024,
  highWaterMark: 256 * 1024,
  handshakeTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  pingIntervalMs: 30_000,
  drainTimeoutMs: 30_000,
} as const;

/** One structured log line. Never payload bytes, query strings, tokens or stream keys. */
export type BridgeLogEntry =
  /** A bridged connection ended: its counters (see {@link ConnectionStats}) and why. */
  | {
      readonly event: 'connection';
      readonly time: string;
      readonly id: number;
      readonly clientIp: string;
      readonly target: string;
      readonly address: string;
      readonly tls: boolean;
      readonly bytesToTarget: number;
      readonly bytesToClient: number;
      readonly durationMs: number;
      readonly closeCode: number;
      readonly closeReason: CloseReason;
    }
  /** An upgrade was refused: the HTTP status the client got, and the real reason. */
  | {
      readonly event: 'refused';
      readonly time: string;
      readonly clientIp: string;
      /** Canonical `host:port`, when the query had a valid one. */
      readonly target: string | undefined;
      readonly status: number;
      readonly reason: RefusalReason;
    };

/** A snapshot from {@link Bridge.stats}. */
export interface BridgeStats {
  /** Bridged connections open now. */
  readonly active: number;
  /** Upgrades being admitted (DNS, connect) now. */
  readonly pending: number;
  /** One entry per open connection. */
  readonly connections: readonly ConnectionStats[];
}

/** A running bridge. */
export interface Bridge {
  /** The HTTP(S) server. Listen with {@link Bridge.listen}. */
  readonly server: http.Server | https.Server;
  /** The bridge's metrics and their registry. */
  readonly metrics: BridgeMetrics;
  /** Starts listening; resolves with the bound address. Port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Counters and buffer sizes of every open connection. */
  stats(): BridgeStats;
  /**
   * Graceful shutdown: stop accepting, refuse pending upgrades, let open
   * connections drain for up to `drainTimeoutMs`, then close the rest with
   * 1001 (terminating any that do not finish the close handshake in 2 s).
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/** Grace for the close handshake of connections closed at the end of a shutdown. */
const SHUTDOWN_CLOSE_GRACE_MS = 2_000;

/** Creates a bridge. It does not listen until {@link Bridge.listen}. Throws a TypeError naming a bad option. */
export function createBridge(options: BridgeOptions = {}): Bridge {
  const limits = {
    maxConnections: positiveInt(options, 'maxConnections'),
    maxConnectionsPerIp: positiveInt(options, 'maxConnectionsPerIp'),
    maxPayload: positiveInt(options, 'maxPayload'),
    maxFragments: positiveInt(options, 'maxFragments'),
    highWaterMark: positiveInt(options, 'highWaterMark'),
    handshakeTimeoutMs: positiveInt(options, 'handshakeTimeoutMs'),
    connectTimeoutMs: positiveInt(options, 'connectTimeoutMs'),
    idleTimeoutMs: positiveInt(options, 'idleTimeoutMs'),
    pingIntervalMs: positiveInt(options, 'pingIntervalMs'),
    drainTimeoutMs: positiveInt(options, 'drainTimeoutMs'),
  };
  const allowlist = new Allowlist(options.allow ?? []);
  const origins = new OriginPolicy(options.origins ?? DEFAULT_ORIGINS);
  if (options.tokenSecret !== undefined) assertTokenSecret(options.tokenSecret);
  const lookup = options.lookup ?? systemLookup;
  const connect = options.connect ?? connectTarget;
  const trustProxy = options.trustProxy ?? false;
  const log = options.log === false ? () => {} : (options.log ?? writeJsonLine);

  const connections = new Set<BridgeConnection>();
  const perIp = new Map<string, number>();
  const pendingUpgrades = new Set<AbortController>();
  const drainWaiters = new Set<() => void>();
  let nextId = 1;
  let closing = false;
  let closePromise: Promise<void> | undefined;
  const closedBytes = { toClient: 0, toTarget: 0 };

  const metrics = createBridgeMetrics({
    collectDefault: options.collectDefaultMetrics ?? false,
    bufferedBytes: () => sumStats((s) => [s.bufferedToClient, s.bufferedToTarget]),
    bytesTotal: () => {
      const live = sumStats((s) => [s.bytesToClient, s.bytesToTarget]);
      return { toClient: live.toClient + closedBytes.toClient, toTarget: live.toTarget + closedBytes.toTarget };
    },
  });

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false, // no compression: no zip bombs, no CPU per byte, RTMP media does not compress
    maxPayload: limits.maxPayload,
    maxFragments: limits.maxFragments,
  });

  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }) : http.createServer();
  server.headersTimeout = limits.handshakeTimeoutMs;
  server.requestTimeout = limits.handshakeTimeoutMs;
  server.on('request', onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void onUpgrade(req, socket, head);
  });

  const pingTimer = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, limits.pingIntervalMs);
  pingTimer.unref();

  function sumStats(pick: (s: ConnectionStats) => [number, number]) {
    let toClient = 0;
    let toTarget = 0;
    for (const c of connections) {
      const [a, b] = pick(c.stats());
      toClient += a;
      toTarget += b;
    }
    return { toClient, toTarget };
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return void plain(res, 405, 'method not allowed');
    if (path === '/healthz') return void plain(res, closing ? 503 : 200, closing ? 'draining' : 'ok');
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => plain(res, 500, 'metrics failed'),
      );
      return;
    }
    plain(res, 404, 'not found');
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', ignore); // a reset while we resolve or connect must not crash the process
    const clientIp = clientIpOf(req, trustProxy);
    const refuse = (reason: RefusalReason, target?: string) => {
      const status = REFUSAL_STATUS[reason];
      metrics.upgrades.inc({ result: reason });
      log({ event: 'refused', time: new Date().toISOString(), clientIp, target, status, reason });
      respond(socket, status);
    };
    if (closing) return refuse(RefusalReason.ShuttingDown);
    if (!isWebSocketUpgrade(req)) return refuse(RefusalReason.BadUpgrade);
    if (connections.size + pendingUpgrades.size >= limits.maxConnections) return refuse(RefusalReason.LimitGlobal);
    const ipCount = perIp.get(clientIp) ?? 0;
    if (ipCount >= limits.maxConnectionsPerIp) return refuse(RefusalReason.LimitPerIp);

    perIp.set(clientIp, ipCount + 1);
    const controller = new AbortController();
    pendingUpgrades.add(controller);
    const timer = setTimeout(() => controller.abort(new Error('handshake timeout')), limits.handshakeTimeoutMs);
    const onGone = () => controller.abort(new Error('client gone'));
    socket.once('close', onGone);
    let handedOver = false;
    try {
      const admitted = await admit(req, controller.signal);
      if (socket.destroyed) {
        if (admitted.ok) admitted.tcp.destroy();
        return;
      }
      if (!admitted.ok) return refuse(closing ? RefusalReason.ShuttingDown : admitted.reason, admitted.label);
      const { tcp, target, address, tls } = admitted;
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        handedOver = true;
        startConnection(ws, socket, tcp, { clientIp, target, address, tls });
      });
      if (!handedOver) tcp.destroy(); // ws refused the upgrade itself (and answered the client)
    } finally {
      clearTimeout(timer);
      socket.off('close', onGone);
      pendingUpgrades.delete(controller);
      if (!handedOver) releaseIp(clientIp);
    }
  }

  type Admission =
    | { ok: true; tcp: net.Socket; target: AllowedTarget; address: IpAddress; tls: boolean }
    | { ok: false; reason: RefusalReason; label?: string };

  async function admit(req: IncomingMessage, signal: AbortSignal): Promise<Admission> {
    if (!origins.allows(req.headers.origin)) return { ok: false, reason: RefusalReason.Origin };
    let query: URLSearchParams;
    try {
      query = new URL(req.url ?? '/', 'http://bridge.invalid').searchParams;
    } catch {
      return { ok: false, reason: RefusalReason.BadTarget };
    }
    const [hosts, ports, tlsFlags, tokens] = ['host', 'port', 'tls', 'token'].map((k) => query.getAll(k));
    if (hosts?.length !== 1 || ports?.length !== 1 || (tlsFlags?.length ?? 0) > 1 || (tokens?.length ?? 0) > 1) {
      return { ok: false, reason: RefusalReason.BadTarget };
    }
    const tlsFlag = tlsFlags?.[0];
    if (tlsFlag !== undefined && tlsFlag !== '1' && tlsFlag !== '0') return { ok: false, reason: RefusalReason.BadTarget };
    const spec = parseTargetSpec(hosts[0] ?? '', ports[0] ?? '');
    if (spec === undefined) return { ok: false, reason: RefusalReason.BadTarget };
    const label = spec.label;
    if (options.tokenSecret !== undefined) {
      const check = verifyToken(tokens?.[0], { secret: options.tokenSecret, target: label });
      if (!check.ok) return { ok: false, reason: RefusalReason.Token, label };
    }
    let decision;
    try {
      decision = await raceAbort(authorizeTarget(spec, allowlist, lookup), signal);
    } catch {
      return { ok: false, reason: RefusalReason.DnsFailed, label };
    }
    if (!decision.ok) return { ok: false, reason: decision.reason, label };
    const tls = tlsFlag === '1';
    const connected = await connectFirst(decision.target, tls, signal);
    if ('reason' in connected) return { ok: false, reason: connected.reason, label };
    return { ok: true, tcp: connected.tcp, target: decision.target, address: connected.address, tls };
  }

  /** Tries the checked addresses in order until one connects, all within the connect timeout. */
  async function connectFirst(
    target: AllowedTarget,
    tls: boolean,
    handshake: AbortSignal,
  ): Promise<{ tcp: net.Socket; address: IpAddress } | { reason: RefusalReason }> {
    const signal = AbortSignal.any([handshake, AbortSignal.timeout(limits.connectTimeoutMs)]);
    for (const address of target.addresses) {
      if (signal.aborted) break;
      try {
        const attempt = connect({
          address,
          port: target.port,
          tls,
          servername: target.servername,
          ca: options.targetCa,
          rejectUnauthorized: !(options.insecureTls ?? false),
          signal,
        });
        const tcp = await raceAbort(attempt, signal, (late) => late.destroy());
        tcp.on('error', ignore); // until the connection attaches its own handlers
        return { tcp, address };
      } catch {
        // try the next address
      }
    }
    return { reason: signal.aborted ? RefusalReason.ConnectTimeout : RefusalReason.ConnectFailed };
  }

  function startConnection(
    ws: WebSocket,
    socket: Duplex,
    tcp: net.Socket,
    info: { clientIp: string; target: AllowedTarget; address: IpAddress; tls: boolean },
  ): void {
    metrics.upgrades.inc({ result: 'accepted' });
    metrics.connectionsActive.inc();
    const connection = new BridgeConnection(ws, socket, tcp, {
      id: nextId++,
      clientIp: info.clientIp,
      target: info.target.label,
      address: info.address.text,
      tls: info.tls,
      highWaterMark: limits.highWaterMark,
      idleTimeoutMs: limits.idleTimeoutMs,
      onClose: (summary) => onConnectionClosed(connection, summary),
    });
    connections.add(connection);
  }

  function onConnectionClosed(connection: BridgeConnection, summary: ConnectionSummary): void {
    connections.delete(connection);
    const { stats } = summary;
    releaseIp(stats.clientIp);
    closedBytes.toClient += stats.bytesToClient;
    closedBytes.toTarget += stats.bytesToTarget;
    metrics.connectionsActive.dec();
    metrics.closes.inc({ reason: summary.reason });
    metrics.duration.observe(summary.durationMs / 1000);
    log({
      event: 'connection',
      time: new Date().toISOString(),
      id: stats.id,
      clientIp: stats.clientIp,
      target: stats.target,
      address: stats.address,
      tls: stats.tls,
      bytesToTarget: stats.bytesToTarget,
      bytesToClient: stats.bytesToClient,
      durationMs: summary.durationMs,
      closeCode: summary.closeCode,
      closeReason: summary.reason,
    });
    if (connections.size === 0) for (const wake of drainWaiters) wake();
  }

  function releaseIp(ip: string): void {
    const n = (perIp.get(ip) ?? 1) - 1;
    if (n <= 0) perIp.delete(ip);
    else perIp.set(ip, n);
  }

  /** Resolves once no connection is open, or after `ms`. */
  function drained(ms: number): Promise<void> {
    if (connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        drainWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      drainWaiters.add(done);
    });
  }

  return {
    server,
    metrics,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    stats() {
      return {
        active: connections.size,
        pending: pendingUpgrades.size,
        connections: Array.from(connections, (c) => c.stats()),
      };
    },
    close({ drainTimeoutMs = limits.drainTimeoutMs } = {}) {
      closePromise ??= (async () => {
        closing = true;
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        for (const controller of pendingUpgrades) controller.abort(new Error('shutting down'));
        await drained(drainTimeoutMs);
        for (const c of connections) c.shutdown();
        await drained(SHUTDOWN_CLOSE_GRACE_MS);
        for (const c of connections) c.terminate();
        await drained(SHUTDOWN_CLOSE_GRACE_MS);
        clearInterval(pingTimer);
        wss.close();
        await serverClosed;
      })();
      return closePromise;
    },
  };
}

// ---------------------------------------------------------------------------

function ignore(): void {}

function writeJsonLine(entry: BridgeLogEntry): void {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

function positiveInt<K extends keyof typeof DEFAULT_LIMITS>(options: BridgeOptions, name: K): number {
  const value = options[name] ?? DEFAULT_LIMITS[name];
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`createBridge: ${name} must be a positive integer`);
  return value;
}

/** The checks `ws` would make, done first so nothing is resolved or connected for a bad request. */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  return (
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key) &&
    (version === '13' || version === '8')
  );
}

/** Answers a refused upgrade with a bare HTTP response and closes. Same body for the same status. */
function respond(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const text = STATUS_CODES[status] ?? 'Error';
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(`${text}\n`);
}

/** Settles with `promise`, or rejects when `signal` aborts first (then `onLate` gets a late value). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
