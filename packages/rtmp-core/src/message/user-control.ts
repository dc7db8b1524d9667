/**
 * User Control messages (RTMP 1.0 §6.2, §7.1.7): a 16-bit event type and
 * event data. PingRequest is answered with PingResponse by the session.
 */
import { readU16Be, readU32Be, writeU16Be, writeU32Be } from '../bytes/byte-cursor.ts';
import { RtmpError, RtmpErrorCode } from '../errors.ts';

/** User Control event types. */
export const UserControlEvent = {
  StreamBegin: 0,
  StreamEOF: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;
/** One of {@link UserControlEvent}. */
export type UserControlEvent = (typeof UserControlEvent)[keyof typeof UserControlEvent];

/** A parsed User Control event. Unknown event types are kept with their raw data. */
export type UserControlMessage =
  | { event: 'StreamBegin' | 'StreamEOF' | 'StreamDry' | 'StreamIsRecorded'; streamId: number }
  | { event: 'SetBufferLength'; streamId: number; bufferMs: number }
  | { event: 'PingRequest' | 'PingResponse'; timestamp: number }
  | { event: 'Unknown'; type: number; data: Uint8Array };

function invalid(message: string): RtmpError {
  return new RtmpError(RtmpErrorCode.ControlMessageInvalid, message);
}

/** Parses a User Control payload, checking each event's length. */
export function parseUserControl(payload: Uint8Array): UserControlMessage {
  if (payload.length < 2) throw invalid(`User Control: payload is ${payload.length} bytes, needs at least 2`);
  const type = readU16Be(payload, 0);
  const need = (n: number, name: string): void => {
    if (payload.length < 2 + n) throw invalid(`User Control ${name}: needs ${n} bytes of event data, has ${payload.length - 2}`);
  };
  switch (type) {
    case UserControlEvent.StreamBegin:
    case UserControlEvent.StreamEOF:
    case UserControlEvent.StreamDry:
    case UserControlEvent.StreamIsRecorded: {
      const name = (['StreamBegin', 'StreamEOF', 'StreamDry', '', 'StreamIsRecorded'] as const)[type] as
        | 'StreamBegin'
        | 'StreamEOF'
        | 'StreamDry'
        | 'StreamIsRecorded';
      need(4, name);
      return { event: name, streamId: readU32Be(payload, 2) };
    }
    case UserControlEvent.SetBufferLength:
      need(8, 'SetBufferLength');
      return { event: 'SetBufferLength', streamId: readU32Be(payload, 2), bufferMs: readU32Be(payload, 6) };
    case UserControlEvent.PingRequest:
    case UserControlEvent.PingResponse:
      need(4, 'Ping');
      return {
        event: type === UserControlEvent.PingRequest ? 'PingRequest' : 'PingResponse',
        timestamp: readU32Be(payload, 2),
      };
    default:
      return { event: 'Unknown', type, data: payload.subarray(2) };
  }
}

/** Encodes a User Control event with one 32-bit field (stream id or ping timestamp). */
export function encodeUserControl(event: UserControlEvent, value: number, value2?: number): Uint8Array {
  const b = new Uint8Array(value2 === undefined ? 6 : 10);
  writeU16Be(b, 0, event);
  writeU32Be(b, 2, value >>> 0);
  if (value2 !== undefined) writeU32Be(b, 6, value2 >>> 0);
  return b;
}

/** Encodes SetBufferLength: the client's buffer for `streamId`, in ms. */
export function encodeSetBufferLength(streamId: number, bufferMs: number): Uint8Array {
  return encodeUserControl(UserControlEvent.SetBufferLength, streamId, bufferMs);
}
