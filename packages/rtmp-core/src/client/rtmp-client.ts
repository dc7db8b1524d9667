/**
 * RtmpClient: an {@link RtmpClientSession} driven over an {@link RtmpTransport},
 * with the timers the sans-I/O session leaves out (connect and request
 * timeouts). It is the API the Node tests, the player worker and the
 * publisher worker use.
 */
import { readPeerCapabilities, type PeerCapabilities } from '../session/enhanced-capabilities.ts';
import type { AmfValue } from '../amf/amf-value.ts';
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { TypedEmitter } from '../events/typed-emitter.ts';
import {
  type ClientSessionEvents,
  type ClientSessionOptions,
  type PlayOptions,
  type PublishType,
  RtmpClientSession,
} from '../session/client-session.ts';
import { parseRtmpUrl, type RtmpUrl } from '../url/rtmp-url.ts';
import type { RtmpTransport } from './transport.ts';

/** Options for {@link RtmpClient}. */
export interface RtmpClientOptions extends Omit<ClientSessionOptions, 'app' | 'tcUrl'> {
  /** rtmp:// or rtmps:// URL. With `streamName` unset, its last path element is the stream name. */
  url: string;
  /** The stream name (or key), when it is not part of `url`. */
  streamName?: string;
  /** The transport to run over; not yet opened. */
  transport: RtmpTransport;
  /** Timeout for connect (transport + handshake + connect) and each request, ms. Default 10,000. */
  timeoutMs?: number;
}

/** A connected RTMP client. See the file comment. */
export class RtmpClient extends TypedEmitter<ClientSessionEvents> {
  /** The sans-I/O session underneath. */
  readonly session: RtmpClientSession;
  /** The parsed URL (its stream name may hold a key: never log it). */
  readonly url: RtmpUrl;
  private readonly transport: RtmpTransport;
  private readonly timeoutMs: number;
  /** Running timeouts: cleared, and their calls rejected, when the session closes, so no timer outlives the client. */
  private readonly waits = new Set<{ timer: ReturnType<typeof setTimeout>; reject: (e: RtmpError) => void }>();

  constructor(options: RtmpClientOptions) {
    super();
    this.url = parseRtmpUrl(options.url, options.streamName === undefined ? undefined : { streamName: options.streamName });
    this.transport = options.transport;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.session = new RtmpClientSession({ ...options, app: this.url.app, tcUrl: this.url.tcUrl });
    const s = this.session;
    s.on('send', (b) => this.transport.send(b));
    // Re-emit every session event except 'send' to our own listeners.
    for (const type of ['state', 'status', 'stream-event', 'media', 'data', 'command', 'error'] as const) {
      s.on(type, (v) => this.emit(type, v as never));
    }
    s.on('close', (v) => {
      const e = v.error ?? new RtmpError(RtmpErrorCode.TransportClosed, 'the client was closed');
      const waits = [...this.waits];
      this.waits.clear();
      for (const w of waits) {
        clearTimeout(w.timer);
        w.reject(e);
      }
      this.transport.close();
      this.emit('close', v);
    });
  }

  /** Bytes queued in the transport, not yet sent. */
  get bufferedAmount(): number {
    return this.transport.bufferedAmount;
  }

  /** Bytes received from the server, handshake included. */
  get bytesReceived(): number {
    return this.session.bytesReceived;
  }

  /** Bytes handed to the transport, handshake included. */
  get bytesSent(): number {
    return this.session.bytesSent;
  }

  /** What the server declared in its connect `_result` properties (Enhanced RTMP codecs and capsEx); empty before connect or when it declared nothing. */
  get serverCapabilities(): PeerCapabilities {
    return readPeerCapabilities(this.session.connectProperties);
  }

  /** Opens the transport, handshakes and connects. Resolves with the connect info. */
  async connect(): Promise<Record<string, AmfValue>> {
    return this.timed('connect', async () => {
      await this.transport.open({
        data: (b) => this.session.receive(b),
        close: (e) => this.session.transportClosed(e),
      });
      return this.session.connect();
    });
  }

  /** Plays `streamName` (default: the URL's). Resolves with the stream id on NetStream.Play.Start. */
  play(streamName = this.url.streamName, options?: PlayOptions): Promise<number> {
    return this.timed('play', () => this.session.play(streamName, options));
  }

  /** Publishes as `streamName` (default: the URL's). Resolves with the stream id on NetStream.Publish.Start. */
  publish(streamName = this.url.streamName, type?: PublishType): Promise<number> {
    return this.timed('publish', () => this.session.publish(streamName, type));
  }

  /**
   * Sends an audio (8) or video (9) message on `streamId`, its body an FLV
   * tag body (see `session.sendMedia`). Throws InvalidState once the client
   * is closed.
   */
  sendMedia(streamId: number, typeId: 8 | 9, timestamp: number, body: Uint8Array): void {
    this.session.sendMedia(streamId, typeId, timestamp, body);
  }

  /** Sends `@setDataFrame onMetaData` on `streamId`, `metadata` as an ECMA array. Throws InvalidState once closed. */
  sendMetadata(streamId: number, metadata: Record<string, AmfValue>): void {
    this.session.sendMetadata(streamId, metadata);
  }

  /**
   * Stops publishing `streamId`: FCUnpublish `streamName` (default: the
   * URL's) and deleteStream. Does nothing unless connected.
   */
  unpublish(streamId: number, streamName = this.url.streamName): void {
    this.session.unpublish(streamId, streamName);
  }

  /** Closes the session and the transport. */
  close(): void {
    this.session.close();
  }

  /**
   * Runs `run` against the timeout. It also rejects when the session closes
   * first (a transport whose open() never settles cannot hold the timer).
   */
  private async timed<T>(what: string, run: () => Promise<T>): Promise<T> {
    const state = this.session.state;
    if (state === 'closed' || state === 'failed') {
      throw new RtmpError(RtmpErrorCode.InvalidState, `${what} on a ${state} client`, { fatal: false });
    }
    let wait: { timer: ReturnType<typeof setTimeout>; reject: (e: RtmpError) => void } | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => {
        const e = new RtmpError(RtmpErrorCode.Timeout, `${what} timed out after ${this.timeoutMs} ms`);
        this.session.fail(e);
        reject(e);
      }, this.timeoutMs);
      wait = { timer, reject };
      this.waits.add(wait);
    });
    try {
      return await Promise.race([run(), timeout]);
    } catch (e) {
      if (e instanceof RtmpError) throw e;
      const err = new RtmpError(RtmpErrorCode.TransportError, `${what} failed: ${String(e)}`, { cause: e });
      this.session.fail(err);
      throw err;
    } finally {
      if (wait !== undefined) {
        clearTimeout(wait.timer);
        this.waits.delete(wait);
      }
    }
  }
}
