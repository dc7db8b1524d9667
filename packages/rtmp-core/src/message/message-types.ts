/**
 * RTMP message type ids (RTMP 1.0 §5.4, §6.2, §7.1) and the message shape
 * that the chunk layer hands up and takes down.
 */

/** Message type ids as they appear in the chunk message header. */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  SharedObjectAmf3: 16,
  CommandAmf3: 17,
  DataAmf0: 18,
  SharedObjectAmf0: 19,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;

/** One of the known message type ids. Unknown ids still pass through as numbers. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** A whole RTMP message, reassembled from chunks or about to be chunked. */
export interface RtmpMessage {
  /** Message type id (see {@link MessageType}). */
  typeId: number;
  /** Message stream id: 0 for the NetConnection, else a NetStream id. */
  streamId: number;
  /** Timestamp in ms, unsigned 32-bit; wraps at 2^32 (RTMP 1.0 §5.3.1.2.1). */
  timestamp: number;
  /** The message body. May be a view into a receive buffer: copy to keep it. */
  payload: Uint8Array;
  /** The chunk stream id it came on or should go on. */
  csid: number;
}

/**
 * The chunk stream ids this stack sends on. RTMP 1.0 §5.3.1.1 reserves 0–1
 * for the longer basic-header forms and 2 for control; we stay within 2–31
 * because nginx-rtmp closes sessions whose csid is 32 or more.
 */
export const ChunkStreamId = {
  /** Protocol control and user control messages (§5.4, §6.2). */
  Control: 2,
  /** NetConnection commands. */
  Command: 3,
  /** NetStream commands and data (`@setDataFrame`, `play`, `publish`...). */
  StreamCommand: 5,
  /** Audio messages. */
  Audio: 6,
  /** Video messages. */
  Video: 7,
} as const;
