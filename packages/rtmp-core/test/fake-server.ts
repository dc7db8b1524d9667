/**
 * An in-process, scriptable RTMP server end for session tests: it does the
 * server handshake, reads chunks and decodes commands, records everything the
 * client sent, and lets the test answer. No sockets: bytes go straight to and
 * from an RtmpClientSession, in whatever slices the test chooses.
 */
import type { AmfValue } from '../src/amf/amf-value.ts';
import { ChunkReader } from '../src/chunk/chunk-reader.ts';
import { ChunkWriter } from '../src/chunk/chunk-writer.ts';
import { type CommandMessage, decodeCommand, encodeCommand, encodeData } from '../src/command/command-message.ts';
import { RtmpServerHandshake } from '../src/handshake/server-handshake.ts';
import { MessageType, type RtmpMessage } from '../src/message/message-types.ts';
import { encodeSetPeerBandwidth, encodeWindowAckSize } from '../src/message/protocol-control.ts';
import { encodeUserControl, UserControlEvent } from '../src/message/user-control.ts';

/** A message the client sent, with its command decoded when it is one. */
export interface Received {
  message: RtmpMessage;
  command?: CommandMessage;
}

/** The server end. `toClient` receives every byte the server sends. */
export class FakeRtmpServer {
  readonly received: Received[] = [];
  private readonly handshake = new RtmpServerHandshake({ random: (b) => b.fill(7) });
  private handshakeDone = false;
  private readonly reader = new ChunkReader((m) => this.onMessage(m));
  readonly writer = new ChunkWriter({ maxCsid: 65599 });
  /** Called for each command the client sends; answer with the send* methods. */
  onCommand: (c: CommandMessage, streamId: number) => void = () => {};

  constructor(private readonly toClient: (bytes: Uint8Array) => void) {}

  /** Bytes from the client. */
  push(bytes: Uint8Array): void {
    if (!this.handshakeDone) {
      const r = this.handshake.receive(bytes);
      if (r.send) this.toClient(r.send);
      if (!r.done) return;
      this.handshakeDone = true;
      if (r.rest) this.reader.push(r.rest);
      return;
    }
    this.reader.push(bytes);
  }

  private onMessage(m: RtmpMessage): void {
    const copy = { ...m, payload: m.payload.slice() };
    if (m.typeId === MessageType.CommandAmf0) {
      const command = decodeCommand(copy.payload);
      this.received.push({ message: copy, command });
      this.onCommand(command, m.streamId);
    } else {
      this.received.push({ message: copy });
    }
  }

  /** Names of the commands received, in order. */
  commandNames(): string[] {
    return this.received.flatMap((r) => (r.command ? [r.command.name] : []));
  }

  /** Sends one raw message. */
  send(m: Omit<RtmpMessage, 'csid'> & { csid?: number }): void {
    this.toClient(this.writer.write({ csid: 3, ...m }));
  }

  /** Sends a command (type 20). */
  sendCommand(streamId: number, name: string, transactionId: number, commandObject: AmfValue, ...args: AmfValue[]): void {
    this.send({ typeId: MessageType.CommandAmf0, streamId, timestamp: 0, payload: encodeCommand({ name, transactionId, commandObject, args }) });
  }

  /** Sends an onStatus on `streamId`. */
  sendStatus(streamId: number, level: string, code: string, description = ''): void {
    this.sendCommand(streamId, 'onStatus', 0, null, { level, code, description });
  }

  /** What nginx-rtmp sends right after connect: window, bandwidth, chunk size, then _result (its properties with `properties` added: an Enhanced RTMP server's capabilities). */
  acceptConnect(transactionId: number, window = 5_000_000, properties: Record<string, AmfValue> = {}): void {
    this.send({ csid: 2, typeId: MessageType.WindowAckSize, streamId: 0, timestamp: 0, payload: encodeWindowAckSize(window) });
    this.send({ csid: 2, typeId: MessageType.SetPeerBandwidth, streamId: 0, timestamp: 0, payload: encodeSetPeerBandwidth(window, 2) });
    this.toClient(this.writer.setChunkSize(4096));
    this.sendCommand(0, '_result', transactionId, { fmsVer: 'FMS/3,0,1,123', capabilities: 31, ...properties }, {
      level: 'status',
      code: 'NetConnection.Connect.Success',
      description: 'Connection succeeded.',
      objectEncoding: 0,
    });
  }

  /** Sends a User Control event. */
  sendUserControl(event: number, value: number): void {
    this.send({ csid: 2, typeId: MessageType.UserControl, streamId: 0, timestamp: 0, payload: encodeUserControl(event as 0, value) });
  }

  /** Sends a data message on a stream. */
  sendData(streamId: number, name: string, ...values: AmfValue[]): void {
    this.send({ csid: 5, typeId: MessageType.DataAmf0, streamId, timestamp: 0, payload: encodeData({ name, values }) });
  }

  /** Sends StreamBegin for `streamId`. */
  streamBegin(streamId: number): void {
    this.sendUserControl(UserControlEvent.StreamBegin, streamId);
  }
}
