/**
 * Opening the TCP (or TLS) connection to an allowed target: always to an
 * address the allowlist checked, never to a name, so nothing resolves again.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { IpAddress } from './ip-address.ts';
import { TargetReader } from './target-reader.ts';

/** Everything needed to open one target connection. */
export interface TargetConnectOptions {
  /** The checked address to connect to. */
  readonly address: IpAddress;
  /** The port. */
  readonly port: number;
  /** Speak TLS (rtmps://). */
  readonly tls: boolean;
  /** The DNS name for SNI and the certificate check; undefined for an IP literal (checked against IP SANs). */
  readonly servername: string | undefined;
  /** Trusted CAs instead of Node's bundled roots (tests pass their own). */
  readonly ca: string | Buffer | readonly (string | Buffer)[] | undefined;
  /** Verify the target's certificate. Only `--insecure-tls` turns this off. */
  readonly rejectUnauthorized: boolean;
  /** Aborted when the connect times out or the client goes away: destroy the socket. */
  readonly signal: AbortSignal;
}

/**
 * Opens a target connection and resolves once it is connected (for TLS:
 * once the handshake and certificate check passed). Inject one in tests to
 * count or redirect connection attempts.
 */
export type ConnectTarget = (options: TargetConnectOptions) => Promise<net.Socket>;

/**
 * The real {@link ConnectTarget}: `net.connect` or `tls.connect` to the
 * address, with TCP_NODELAY, reading through a {@link TargetReader} (a reused
 * buffer instead of a new one per read; `TargetReader.of(socket)`).
 */
export const connectTarget: ConnectTarget = (options) =>
  new Promise((resolve, reject) => {
    const { address, port, signal } = options;
    const reader = new TargetReader();
    const base = { host: address.text, port, family: address.family, noDelay: true, onread: reader.onread };
    const socket = options.tls
      ? tls.connect({
          ...base,
          // RFC 6066 §3: SNI carries names only, never IP literals.
          ...(options.servername === undefined ? {} : { servername: options.servername }),
          ca: options.ca as tls.ConnectionOptions['ca'],
          rejectUnauthorized: options.rejectUnauthorized,
        })
      : net.connect(base);
    const onAbort = () => fail(new Error('aborted'));
    const fail = (error: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    if (signal.aborted) return fail(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    reader.bind(socket);
    socket.once('error', fail);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', fail);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
