/**
 * Dispatch for the messages the session handles itself: protocol control
 * (types 1–6, RTMP 1.0 §5.4) and User Control (type 4, §6.2).
 */
import { MessageType, type RtmpMessage } from './message-types.ts';
import {
  type PeerBandwidthLimit,
  parseAbort,
  parseAcknowledgement,
  parseSetChunkSize,
  parseSetPeerBandwidth,
  parseWindowAckSize,
} from './protocol-control.ts';
import { parseUserControl, type UserControlMessage } from './user-control.ts';

/** A parsed protocol control or User Control message. */
export type ControlMessage =
  | { type: 'set-chunk-size'; size: number }
  | { type: 'abort'; csid: number }
  | { type: 'acknowledgement'; sequenceNumber: number }
  | { type: 'window-ack-size'; size: number }
  | { type: 'set-peer-bandwidth'; size: number; limit: PeerBandwidthLimit }
  | { type: 'user-control'; event: UserControlMessage };

/**
 * Parses `message` if it is a control message on stream 0, else returns null.
 * Throws an RtmpError (ControlMessageInvalid, ChunkSizeInvalid) for bad ones.
 */
export function parseControlMessage(message: RtmpMessage): ControlMessage | null {
  const p = message.payload;
  switch (message.typeId) {
    case MessageType.SetChunkSize:
      return { type: 'set-chunk-size', size: parseSetChunkSize(p) };
    case MessageType.Abort:
      return { type: 'abort', csid: parseAbort(p) };
    case MessageType.Acknowledgement:
      return { type: 'acknowledgement', sequenceNumber: parseAcknowledgement(p) };
    case MessageType.WindowAckSize:
      return { type: 'window-ack-size', size: parseWindowAckSize(p) };
    case MessageType.SetPeerBandwidth:
      return { type: 'set-peer-bandwidth', ...parseSetPeerBandwidth(p) };
    case MessageType.UserControl:
      return { type: 'user-control', event: parseUserControl(p) };
    default:
      return null;
  }
}
