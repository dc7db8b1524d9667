/**
 * The RTMP client session: NetConnection and NetStream over the chunk stream.
 * Sans-I/O: feed it received bytes with {@link RtmpClientSession.receive};
 * it emits `send` with bytes for the transport, and events for what the server
 * says. Timers (timeouts, stalls) belong to the driver ({@link RtmpClient}).
 *
 * One state machine with one transition function and one `fail()` funnel:
 *
 * ```
 * idle → handshaking → connecting → connected → closed
 *            └────────────┴─────────────┴──────→ failed
 * ```
 */
import type { AmfValue } from '../amf/amf-value.ts';
import { amfEcmaArray } from '../amf/amf-value.ts';
import { ChunkReader, type ChunkReaderOptions } from '../chunk/chunk-reader.ts';
import { ChunkWriter } from '../chunk/chunk-writer.ts';
import {
  type CommandMessage,
  type DataMessage,
  decodeCommand,
  decodeData,
  describe,
  encodeCommand,
  encodeData,
  isAmfObject,
} from '../command/command-message.ts';
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { TypedEmitter } from '../events/typed-emitter.ts';
import { type ClientHandshakeOptions, RtmpClientHandshake } from '../handshake/handshake.ts';
import { parseControlMessage } from '../message/control-message.ts';
import { ChunkStreamId, MessageType, type RtmpMessage } from '../message/message-types.ts';
import { encodeAcknowledgement, encodeWindowAckSize } from '../message/protocol-control.ts';
import { encodeSetBufferLength, encodeUserControl, UserControlEvent, type UserControlMessage } from '../message/user-control.ts';
import { splitAggregate } from './aggregate.ts';

/**
 * Enhanced RTMP's `capsEx` bits, sent in the `connect` command object to
 * say which extended capabilities the client has (E-RTMP v2, "Enhancing
 * NetConnection connect Command", enum CapsExMask).
 */
export const CapsExMask = {
  /** The client handles NetConnection.Connect.ReconnectRequest (E-RTMP v2, "Reconnect Request"). */
  Reconnect: 0x01,
  /** The client handles multitrack audio and video. */
  Multitrack: 0x02,
  /** The client can parse ModEx signals. */
  ModEx: 0x04,
  /** The client handles nanosecond timestamp offsets. */
  TimestampNanoOffset: 0x08,
} as const;

/** Options for {@link RtmpClientSession}. */
export interface ClientSessionOptions {
  /** Application name, e.g. `live` (see parseRtmpUrl). */
  app: string;
  /** tcUrl as real clients build it, e.g. `rtmp://host/live`. */
  tcUrl: string;
  /** flashVer sent in `connect`. Default `FMLE/3.0 (compatible; rtmp-web)`. */
  flashVer?: string;
  /** objectEncoding sent in `connect`: 0 (AMF0, default) or 3. */
  objectEncoding?: 0 | 3;
  /**
   * More fields for the `connect` command object; they override the defaults.
   * Enhanced RTMP puts `fourCcList` here.
   */
  connectFields?: Record<string, AmfValue>;
  /**
   * Enhanced RTMP `capsEx` ({@link CapsExMask} bits, OR-ed) for the
   * `connect` command object. 0 or unset: not sent. Advertise only what the
   * code above the session handles: {@link RtmpConnection} sets Reconnect.
   */
  capsEx?: number;
  /** Extra arguments after the `connect` command object (some servers take auth here). */
  connectArgs?: AmfValue[];
  /** Handshake options (digest handshake, injected randomness). */
  handshake?: ClientHandshakeOptions;
  /** Caps for the chunk reader. */
  chunk?: ChunkReaderOptions;
  /** Outgoing chunk size, sent right after the handshake. Default 4096. */
  outChunkSize?: number;
  /** The Window Acknowledgement Size we announce after connecting. Default 2,500,000. */
  windowAckSize?: number;
  /** Maximum AMF nesting depth for commands and data. Default 64. */
  maxAmfDepth?: number;
}

/** Session states. */
export type SessionState = 'idle' | 'handshaking' | 'connecting' | 'connected' | 'closed' | 'failed';

/** An `onStatus` from the server, with its code exactly as it came. */
export interface RtmpStatus {
  /** Message stream id it came on (0 for NetConnection). */
  streamId: number;
  /** `status`, `warning` or `error` (as sent). */
  level: string;
  /** e.g. `NetStream.Play.Start`, `NetStream.Publish.BadName`. */
  code: string;
  /** The server's description, if any. */
  description: string;
  /** The whole info object. */
  info: Record<string, AmfValue>;
}

/** A data message (onMetaData, |RtmpSampleAccess...) from the server. */
export interface RtmpDataEvent {
  streamId: number;
  timestamp: number;
  data: DataMessage;
}

/** Events of {@link RtmpClientSession}. */
export interface ClientSessionEvents {
  [key: string]: unknown;
  /** Bytes for the transport, in order. */
  send: Uint8Array;
  /** Every state transition. */
  state: SessionState;
  /** Every onStatus, NetConnection's and NetStream's. */
  status: RtmpStatus;
  /** User Control stream events: StreamBegin, StreamEOF, StreamDry, StreamIsRecorded, SetBufferLength. */
  'stream-event': UserControlMessage;
  /** Audio (8) and video (9) messages, aggregates already split. */
  media: RtmpMessage;
  /** Data messages (18/15). */
  data: RtmpDataEvent;
  /** Server commands the session does not handle itself (onFCPublish, ...). */
  command: { streamId: number; command: CommandMessage };
  /** The fatal error that failed the session. Followed by `close`. */
  error: RtmpError;
  /** The session ended: by {@link RtmpClientSession.close}, the server, or an error. */
  close: { error: RtmpError | null };
}

/** Options for {@link RtmpClientSession.play}. */
export interface PlayOptions {
  /** -2 live or recorded (default), -1 live only, ≥0 recorded from that ms. */
  start?: number;
  /** -1 to the end (default). */
  duration?: number;
  /** Flush previous playlist (default true). */
  reset?: boolean;
  /** SetBufferLength sent after play, in ms. Default 1000. */
  bufferMs?: number;
}

/** Publishing type: `live` (default), `record` or `append`. */
export type PublishType = 'live' | 'record' | 'append';

interface Pending {
  name: string;
  resolve: (c: CommandMessage) => void;
  reject: (e: RtmpError) => void;
}

interface StatusWaiter {
  success: (code: string) => boolean;
  resolve: (s: RtmpStatus) => void;
  reject: (e: RtmpError) => void;
}

const DEFAULT_FLASH_VER = 'FMLE/3.0 (compatible; rtmp-web)';
/** How many reads during start-up get an Acknowledgement at once (see quickAcknowledge). */
const QUICK_ACKS = 16;

/** The sans-I/O RTMP client session. See the file comment. */
export class RtmpClientSession extends TypedEmitter<ClientSessionEvents> {
  /** Current state. */
  state: SessionState = 'idle';
  /** Bytes received, handshake included (the Acknowledgement sequence number). */
  bytesReceived = 0;
  /** Bytes handed to the transport. */
  bytesSent = 0;
  /** The connect `_result` info object, once connected. */
  connectInfo: Record<string, AmfValue> | null = null;
  /** The connect `_result` properties object (fmsVer, capabilities; Enhanced RTMP servers declare their codecs and capsEx here: readPeerCapabilities), once connected. */
  connectProperties: Record<string, AmfValue> | null = null;

  private readonly opts: ClientSessionOptions;
  private readonly handshake: RtmpClientHandshake;
  private readonly reader: ChunkReader;
  private readonly writer = new ChunkWriter();
  private nextTransactionId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly statusWaiters = new Map<number, Set<StatusWaiter>>();
  private peerWindow = 0;
  private sentWindowAck = 0;
  /** Start-up replies left (see {@link quickAcknowledge}). */
  private quickAcks = QUICK_ACKS;
  private lastAck = 0;
  private connectWaiter: { resolve: (info: Record<string, AmfValue>) => void; reject: (e: RtmpError) => void } | null = null;
  private error: RtmpError | null = null;

  constructor(options: ClientSessionOptions) {
    super();
    this.opts = options;
    this.handshake = new RtmpClientHandshake(options.handshake);
    this.reader = new ChunkReader((m) => this.onMessage(m), options.chunk);
  }

  // ---- state machine -------------------------------------------------------

  private transition(to: SessionState): void {
    const from = this.state;
    const allowed: Record<SessionState, readonly SessionState[]> = {
      idle: ['handshaking', 'closed', 'failed'],
      handshaking: ['connecting', 'closed', 'failed'],
      connecting: ['connected', 'closed', 'failed'],
      connected: ['closed', 'failed'],
      closed: [],
      failed: [],
    };
    if (!allowed[from].includes(to)) {
      throw new RtmpError(RtmpErrorCode.InvalidState, `session cannot go from ${from} to ${to}`, { fatal: false });
    }
    this.state = to;
    this.emit('state', to);
  }

  /** The one failure funnel: rejects everything pending, emits `error` then `close`. */
  fail(error: unknown): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    const e =
      error instanceof RtmpError
        ? error
        : new RtmpError(RtmpErrorCode.TransportError, `session failed: ${String(error)}`, { cause: error });
    this.error = e;
    this.transition('failed');
    this.rejectAll(e);
    this.emit('error', e);
    this.emit('close', { error: e });
  }

  /** Ends the session from our side (the transport closes after). */
  close(): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.transition('closed');
    this.rejectAll(new RtmpError(RtmpErrorCode.TransportClosed, 'session closed'));
    this.emit('close', { error: null });
  }

  /** Call when the transport closed under us. */
  transportClosed(error?: RtmpError): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    if (error) this.fail(error);
    else this.fail(new RtmpError(RtmpErrorCode.TransportClosed, `connection closed by the server while ${this.state}`));
  }

  private rejectAll(e: RtmpError): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(e);
    const waiters = [...this.statusWaiters.values()].flatMap((s) => [...s]);
    this.statusWaiters.clear();
    for (const w of waiters) w.reject(e);
    const cw = this.connectWaiter;
    this.connectWaiter = null;
    cw?.reject(e);
  }

  private assertUsable(what: string): void {
    if (this.state !== 'connected') {
      throw this.error ?? new RtmpError(RtmpErrorCode.InvalidState, `${what} needs a connected session (state: ${this.state})`, { fatal: false });
    }
  }

  // ---- bytes in and out ----------------------------------------------------

  /**
   * Starts the handshake and `connect`. Resolves with the server's connect
   * info object; rejects with ConnectRejected (server `_error`) or whatever
   * failed the session.
   */
  connect(): Promise<Record<string, AmfValue>> {
    if (this.state !== 'idle') {
      return Promise.reject(new RtmpError(RtmpErrorCode.InvalidState, `connect() called twice (state: ${this.state})`, { fatal: false }));
    }
    const p = new Promise<Record<string, AmfValue>>((resolve, reject) => {
      this.connectWaiter = { resolve, reject };
    });
    this.transition('handshaking');
    this.output(this.handshake.start());
    return p;
  }

  /** Takes bytes from the transport. Errors fail the session; it never throws. */
  receive(bytes: Uint8Array): void {
    if (this.state === 'closed' || this.state === 'failed' || this.state === 'idle') return;
    this.bytesReceived += bytes.length;
    try {
      if (this.state === 'handshaking') {
        const r = this.handshake.receive(bytes);
        if (r.send) this.output(r.send);
        if (!r.done) return;
        this.transition('connecting');
        this.output(this.writer.setChunkSize(this.opts.outChunkSize ?? 4096));
        this.sendConnect();
        if (r.rest && r.rest.length > 0) this.reader.push(r.rest);
      } else {
        this.reader.push(bytes);
        this.quickAcknowledge();
      }
      this.maybeAcknowledge();
    } catch (e) {
      this.fail(e);
    }
  }

  private output(bytes: Uint8Array): void {
    this.bytesSent += bytes.length;
    this.emit('send', bytes);
  }

  private sendMessage(csid: number, typeId: number, streamId: number, timestamp: number, payload: Uint8Array): void {
    this.output(this.writer.write({ csid, typeId, streamId, timestamp, payload }));
  }

  private sendCommand(streamId: number, name: string, transactionId: number, commandObject: AmfValue, ...args: AmfValue[]): void {
    const csid = streamId === 0 ? ChunkStreamId.Command : ChunkStreamId.StreamCommand;
    this.sendMessage(csid, MessageType.CommandAmf0, streamId, 0, encodeCommand({ name, transactionId, commandObject, args }));
  }

  /** Sends a command that expects `_result`/`_error`; resolves with the reply. */
  private request(streamId: number, name: string, commandObject: AmfValue, ...args: AmfValue[]): Promise<CommandMessage> {
    const id = this.nextTransactionId++;
    const p = new Promise<CommandMessage>((resolve, reject) => this.pending.set(id, { name, resolve, reject }));
    this.sendCommand(streamId, name, id, commandObject, ...args);
    return p;
  }

  /**
   * During start-up (until media flows, at most {@link QUICK_ACKS} times),
   * answers every read with an Acknowledgement of the bytes so far (§5.4.3;
   * an extra one is harmless). Why: servers write their connect and play
   * replies as several small segments; with Nagle on their side (nginx-rtmp,
   * node-media-server) each one waits for the TCP ACK of the one before, and
   * with nothing of ours to carry it, that ACK waits for the 40 ms
   * delayed-ACK timer. A reply carries it at once: connect on loopback went
   * from ~46 ms to a few ms.
   */
  private quickAcknowledge(): void {
    if (this.quickAcks <= 0) return;
    this.quickAcks--;
    this.lastAck = this.bytesReceived;
    this.sendMessage(ChunkStreamId.Control, MessageType.Acknowledgement, 0, 0, encodeAcknowledgement(this.bytesReceived));
  }

  /** Our Window Acknowledgement Size, unless the peer already has it. */
  private sendWindowAckSize(): void {
    const size = this.opts.windowAckSize ?? 2_500_000;
    if (size === this.sentWindowAck) return;
    this.sentWindowAck = size;
    this.sendMessage(ChunkStreamId.Control, MessageType.WindowAckSize, 0, 0, encodeWindowAckSize(size));
  }

  private maybeAcknowledge(): void {
    // RTMP 1.0 §5.4.3: acknowledge once a window's worth of bytes arrived.
    if (this.peerWindow > 0 && this.bytesReceived - this.lastAck >= this.peerWindow) {
      this.lastAck = this.bytesReceived;
      this.sendMessage(ChunkStreamId.Control, MessageType.Acknowledgement, 0, 0, encodeAcknowledgement(this.bytesReceived));
    }
  }

  // ---- connect -------------------------------------------------------------

  private sendConnect(): void {
    const o = this.opts;
    const commandObject: Record<string, AmfValue> = {
      app: o.app,
      type: 'nonprivate',
      flashVer: o.flashVer ?? DEFAULT_FLASH_VER,
      tcUrl: o.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
      objectEncoding: o.objectEncoding ?? 0,
      ...(o.capsEx ? { capsEx: o.capsEx } : {}),
      ...o.connectFields,
    };
    const id = this.nextTransactionId++;
    this.pending.set(id, {
      name: 'connect',
      resolve: (c) => this.onConnectReply(c),
      reject: (e) => this.fail(e),
    });
    this.sendCommand(0, 'connect', id, commandObject, ...(o.connectArgs ?? []));
  }

  private onConnectReply(c: CommandMessage): void {
    const info = c.args.find(isAmfObject) ?? (isAmfObject(c.commandObject) ? c.commandObject : {});
    if (c.name === '_error') {
      this.fail(statusError(RtmpErrorCode.ConnectRejected, 'connect', info));
      return;
    }
    this.connectInfo = info;
    this.connectProperties = isAmfObject(c.commandObject) ? c.commandObject : null;
    this.sendWindowAckSize();
    this.transition('connected');
    const cw = this.connectWaiter;
    this.connectWaiter = null;
    cw?.resolve(info);
  }

  // ---- NetConnection / NetStream commands ---------------------------------

  /** `createStream`: resolves with the new message stream id. */
  async createStream(): Promise<number> {
    this.assertUsable('createStream');
    const r = await this.request(0, 'createStream', null);
    const id = r.args[0];
    if (r.name !== '_result' || typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw r.name === '_error'
        ? statusError(RtmpErrorCode.CommandFailed, 'createStream', r.args.find(isAmfObject) ?? {})
        : new RtmpError(RtmpErrorCode.CommandInvalid, `createStream: stream id must be a number, got ${describe(id)}`);
    }
    return id;
  }

  /**
   * Publishes in the FMLE sequence: releaseStream → FCPublish → createStream →
   * publish. Replies to the first two are not awaited (most servers send none).
   * Resolves with the stream id on NetStream.Publish.Start; rejects with
   * StreamFailed on an error-level status (e.g. NetStream.Publish.BadName).
   * The stream name (with any `?query`) passes through untouched.
   */
  async publish(streamName: string, type: PublishType = 'live'): Promise<number> {
    this.assertUsable('publish');
    this.sendCommand(0, 'releaseStream', this.nextTransactionId++, null, streamName);
    this.sendCommand(0, 'FCPublish', this.nextTransactionId++, null, streamName);
    const streamId = await this.createStream();
    const started = this.waitForStatus(streamId, (code) => code === 'NetStream.Publish.Start');
    this.sendCommand(streamId, 'publish', this.nextTransactionId++, null, streamName, type);
    await started;
    return streamId;
  }

  /** Stops publishing: FCUnpublish and deleteStream. */
  unpublish(streamId: number, streamName: string): void {
    if (this.state !== 'connected') return;
    this.sendCommand(0, 'FCUnpublish', this.nextTransactionId++, null, streamName);
    this.deleteStream(streamId);
  }

  /**
   * createStream → play → SetBufferLength. Resolves with the stream id on
   * NetStream.Play.Start (or Play.Reset followed by Start); rejects with
   * StreamFailed on an error-level status such as NetStream.Play.StreamNotFound.
   */
  async play(streamName: string, options: PlayOptions = {}): Promise<number> {
    this.assertUsable('play');
    const streamId = await this.createStream();
    const started = this.waitForStatus(streamId, (code) => code === 'NetStream.Play.Start');
    this.sendCommand(streamId, 'play', 0, null, streamName, options.start ?? -2, options.duration ?? -1, options.reset ?? true);
    this.sendMessage(ChunkStreamId.Control, MessageType.UserControl, 0, 0, encodeSetBufferLength(streamId, options.bufferMs ?? 1000));
    await started;
    return streamId;
  }

  /** `pause` (RTMP 1.0 §7.2.2.8): pause or resume at `positionMs`. */
  pause(streamId: number, paused: boolean, positionMs = 0): void {
    this.assertUsable('pause');
    this.sendCommand(streamId, 'pause', 0, null, paused, positionMs);
  }

  /** `seek` to `positionMs`. */
  seek(streamId: number, positionMs: number): void {
    this.assertUsable('seek');
    this.sendCommand(streamId, 'seek', 0, null, positionMs);
  }

  /** `receiveAudio` true/false. */
  receiveAudio(streamId: number, on: boolean): void {
    this.assertUsable('receiveAudio');
    this.sendCommand(streamId, 'receiveAudio', 0, null, on);
  }

  /** `receiveVideo` true/false. */
  receiveVideo(streamId: number, on: boolean): void {
    this.assertUsable('receiveVideo');
    this.sendCommand(streamId, 'receiveVideo', 0, null, on);
  }

  /** `closeStream` on the stream. */
  closeStream(streamId: number): void {
    if (this.state !== 'connected') return;
    this.sendCommand(streamId, 'closeStream', 0, null);
  }

  /** `deleteStream` on the NetConnection. */
  deleteStream(streamId: number): void {
    if (this.state !== 'connected') return;
    this.statusWaiters.delete(streamId);
    this.sendCommand(0, 'deleteStream', this.nextTransactionId++, null, streamId);
  }

  /** Sends `@setDataFrame onMetaData` with `metadata` as an ECMA array. */
  sendMetadata(streamId: number, metadata: Record<string, AmfValue>): void {
    this.sendData(streamId, { name: '@setDataFrame', values: ['onMetaData', amfEcmaArray(metadata)] }, 0);
  }

  /** Sends a data message (type 18) on a stream. */
  sendData(streamId: number, data: DataMessage, timestamp: number): void {
    this.assertUsable('sendData');
    this.sendMessage(ChunkStreamId.StreamCommand, MessageType.DataAmf0, streamId, timestamp, encodeData(data));
  }

  /** Sends an audio (8) or video (9) message body: an FLV tag body. */
  sendMedia(streamId: number, typeId: 8 | 9, timestamp: number, payload: Uint8Array): void {
    this.assertUsable('sendMedia');
    const csid = typeId === MessageType.Audio ? ChunkStreamId.Audio : ChunkStreamId.Video;
    this.sendMessage(csid, typeId, streamId, timestamp, payload);
  }

  /**
   * Resolves on the first onStatus for `streamId` whose code passes
   * `success`; rejects on one with level "error".
   */
  waitForStatus(streamId: number, success: (code: string) => boolean): Promise<RtmpStatus> {
    return new Promise((resolve, reject) => {
      let set = this.statusWaiters.get(streamId);
      if (set === undefined) {
        set = new Set();
        this.statusWaiters.set(streamId, set);
      }
      set.add({ success, resolve, reject });
    });
  }

  // ---- messages in ---------------------------------------------------------

  private onMessage(m: RtmpMessage): void {
    switch (m.typeId) {
      case MessageType.Audio:
      case MessageType.Video:
        this.quickAcks = 0; // media flows: start-up is over
        this.emit('media', m);
        return;
      case MessageType.Aggregate:
        for (const sub of splitAggregate(m)) this.onMessage(sub);
        return;
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3:
        this.onCommand(m.streamId, decodeCommand(m.payload, m.typeId, { maxDepth: this.opts.maxAmfDepth }));
        return;
      case MessageType.DataAmf0:
      case MessageType.DataAmf3:
        this.emit('data', { streamId: m.streamId, timestamp: m.timestamp, data: decodeData(m.payload, m.typeId, { maxDepth: this.opts.maxAmfDepth }) });
        return;
      case MessageType.SharedObjectAmf0:
      case MessageType.SharedObjectAmf3:
        return; // shared objects are not used by live streaming servers; ignore.
    }
    const control = parseControlMessage(m);
    if (control === null) return; // unknown type ids: ignore, as FFmpeg does
    switch (control.type) {
      case 'window-ack-size':
        this.peerWindow = control.size;
        return;
      case 'set-peer-bandwidth':
        // §5.4.5: answer with our window if it differs from what we last sent.
        this.sendWindowAckSize();
        return;
      case 'user-control': {
        const ev = control.event;
        if (ev.event === 'PingRequest') {
          this.sendMessage(ChunkStreamId.Control, MessageType.UserControl, 0, 0, encodeUserControl(UserControlEvent.PingResponse, ev.timestamp));
        } else if (ev.event !== 'PingResponse') {
          this.emit('stream-event', ev);
        }
        return;
      }
      default:
        return; // set-chunk-size and abort were applied by the reader; acks need no answer.
    }
  }

  private onCommand(streamId: number, c: CommandMessage): void {
    switch (c.name) {
      case '_result':
      case '_error': {
        const p = this.pending.get(c.transactionId);
        if (p === undefined) {
          this.emit('command', { streamId, command: c }); // e.g. replies to releaseStream/FCPublish
          return;
        }
        this.pending.delete(c.transactionId);
        if (p.name === 'connect' || c.name === '_result') p.resolve(c);
        else p.reject(statusError(RtmpErrorCode.CommandFailed, p.name, c.args.find(isAmfObject) ?? {}));
        return;
      }
      case 'onStatus': {
        const info = c.args.find(isAmfObject);
        if (info === undefined) {
          throw new RtmpError(RtmpErrorCode.CommandInvalid, 'onStatus without an info object');
        }
        this.onStatus(streamId, info);
        return;
      }
      case 'onBWDone':
        // FFmpeg answers onBWDone with _checkbw; some servers wait for it.
        this.sendCommand(0, '_checkbw', this.nextTransactionId++, null);
        return;
      case '_checkbw':
      case 'onBWCheck':
        this.sendCommand(0, '_result', c.transactionId, null, 0);
        return;
      case 'close':
        this.fail(new RtmpError(RtmpErrorCode.TransportClosed, 'the server closed the connection (close command)'));
        return;
      default:
        this.emit('command', { streamId, command: c });
    }
  }

  private onStatus(streamId: number, info: Record<string, AmfValue>): void {
    const status: RtmpStatus = {
      streamId,
      level: typeof info.level === 'string' ? info.level : '',
      code: typeof info.code === 'string' ? info.code : '',
      description: typeof info.description === 'string' ? info.description : '',
      info,
    };
    this.emit('status', status);
    const waiters = this.statusWaiters.get(streamId);
    if (waiters !== undefined) {
      for (const w of [...waiters]) {
        if (status.level === 'error') {
          waiters.delete(w);
          w.reject(statusError(RtmpErrorCode.StreamFailed, status.code, info));
        } else if (w.success(status.code)) {
          waiters.delete(w);
          w.resolve(status);
        }
      }
    }
    if (streamId === 0 && status.level === 'error') {
      this.fail(statusError(RtmpErrorCode.TransportClosed, status.code, info));
    }
  }
}

/** An RtmpError carrying a server status (code and description as they came). */
function statusError(code: RtmpErrorCode, what: string, info: Record<string, AmfValue>): RtmpError {
  const serverCode = typeof info.code === 'string' ? info.code : '';
  const description = typeof info.description === 'string' ? info.description : '';
  const message = `${what} failed${serverCode ? `: ${serverCode}` : ''}${description ? ` (${description})` : ''}`;
  return new RtmpError(code, message, { details: { code: serverCode, description, level: info.level ?? null } });
}
