/**
 * Command (types 20/17) and data (types 18/15) message bodies (RTMP 1.0 §7.1.1,
 * §7.2): an AMF0 sequence of name, transaction id, command object and
 * arguments. The AMF3 variants start with one 0x00 format byte, then carry
 * AMF0 values (which may switch to AMF3 per value with the 0x11 marker).
 */
import { decodeAmf0, encodeAmf0 } from '../amf/amf0.ts';
import type { AmfObject, AmfValue } from '../amf/amf-value.ts';
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { MessageType } from '../message/message-types.ts';

/** A decoded command: `connect`, `_result`, `onStatus`, `play`... */
export interface CommandMessage {
  /** Command name. */
  name: string;
  /** Transaction id; 0 for commands that expect no reply. */
  transactionId: number;
  /** The command object (often null). */
  commandObject: AmfValue;
  /** Further arguments, e.g. the info object of `onStatus`. */
  args: AmfValue[];
}

/** A decoded data message: `@setDataFrame`, `onMetaData`, `|RtmpSampleAccess`... */
export interface DataMessage {
  /** Handler name, the first value. */
  name: string;
  /** The values after the name. */
  values: AmfValue[];
}

/** AMF decode caps used for commands and data from the network. */
export interface CommandDecodeOptions {
  /** Maximum AMF nesting depth. Default 64. */
  maxDepth?: number;
}

function amfBody(payload: Uint8Array, typeId: number): Uint8Array {
  if (typeId === MessageType.CommandAmf3 || typeId === MessageType.DataAmf3) {
    // One format byte (0) before the AMF0 values.
    if (payload.length < 1) throw new RtmpError(RtmpErrorCode.CommandInvalid, 'AMF3 command or data message is empty');
    return payload.subarray(1);
  }
  return payload;
}

/**
 * Decodes a command message body, checking the types of the fixed fields.
 * A command whose second value is not a number carries no transaction id (a
 * notification such as `onFCPublish`): it decodes with id 0, no command
 * object, and every value after the name as its arguments.
 */
export function decodeCommand(payload: Uint8Array, typeId: number = MessageType.CommandAmf0, options: CommandDecodeOptions = {}): CommandMessage {
  const values = decodeAmf0(amfBody(payload, typeId), options);
  const [name, transactionId, commandObject = null, ...args] = values;
  if (typeof name !== 'string') {
    throw new RtmpError(RtmpErrorCode.CommandInvalid, `command name must be a string, got ${describe(name)}`);
  }
  if (typeof transactionId !== 'number') {
    // A notification with no transaction id: FFmpeg's listen-mode server
    // answers FCPublish with a bare `onFCPublish`. What follows the name is
    // its arguments; it can never match a request (those have ids ≥ 1).
    return { name, transactionId: 0, commandObject: null, args: values.slice(1) };
  }
  if (!Number.isFinite(transactionId)) {
    throw new RtmpError(RtmpErrorCode.CommandInvalid, `command ${JSON.stringify(name.slice(0, 64))}: transaction id must be a finite number, got ${describe(transactionId)}`);
  }
  return { name, transactionId, commandObject, args };
}

/** Encodes a command message body (AMF0, type 20). */
export function encodeCommand(command: CommandMessage): Uint8Array {
  return encodeAmf0([command.name, command.transactionId, command.commandObject, ...command.args]);
}

/** Decodes a data message body, checking that it starts with a name. */
export function decodeData(payload: Uint8Array, typeId: number = MessageType.DataAmf0, options: CommandDecodeOptions = {}): DataMessage {
  const [name, ...values] = decodeAmf0(amfBody(payload, typeId), options);
  if (typeof name !== 'string') {
    throw new RtmpError(RtmpErrorCode.CommandInvalid, `data message must start with a string, got ${describe(name)}`);
  }
  return { name, values };
}

/** Encodes a data message body (AMF0, type 18). */
export function encodeData(data: DataMessage): Uint8Array {
  return encodeAmf0([data.name, ...data.values]);
}

/** A short, safe description of a value's type for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  return typeof v;
}

/** True for an AMF object (anonymous, typed or ECMA array): a plain-prototype object. */
export function isAmfObject(v: AmfValue | undefined): v is AmfObject {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
