/**
 * Typed errors for the whole RTMP stack.
 *
 * Every failure that input from a server, a peer or a user can cause is an
 * {@link RtmpError} with a stable {@link RtmpErrorCode}. Programming errors
 * (broken invariants) use {@link assert}, and misuse of a public API with a
 * bad argument throws a `TypeError` naming the option.
 */

/** Stable error codes, grouped by layer. The values never change once released. */
export const RtmpErrorCode = {
  // bytes and handshake
  /** A complete message ended before a field it declares. */
  Truncated: 'TRUNCATED',
  /** The server answered the handshake with a version other than 3. */
  HandshakeBadVersion: 'HANDSHAKE_BAD_VERSION',

  // chunk stream (RTMP 1.0 §5.3)
  /** Set Chunk Size of 0, with the top bit set, or past the cap. */
  ChunkSizeInvalid: 'CHUNK_SIZE_INVALID',
  /** fmt 1/2/3 header on a chunk stream that has had no fmt 0 header. */
  ChunkNoPreviousHeader: 'CHUNK_NO_PREVIOUS_HEADER',
  /** A new fmt 0/1 header changed the length of a message still in progress. */
  ChunkHeaderMismatch: 'CHUNK_HEADER_MISMATCH',
  /** A message declared a length over the message size cap. */
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  /** More live chunk streams than the cap allows. */
  TooManyChunkStreams: 'TOO_MANY_CHUNK_STREAMS',
  /** Bytes of partial messages, in total, passed the cap. */
  BufferLimit: 'BUFFER_LIMIT',
  /** A chunk stream id outside what the writer can send (2–65599; 2–31 for nginx). */
  ChunkStreamIdInvalid: 'CHUNK_STREAM_ID_INVALID',
  /** A protocol control or user control message with a bad length or value. */
  ControlMessageInvalid: 'CONTROL_MESSAGE_INVALID',

  // AMF
  /** AMF data ran past the end of its message. */
  AmfTruncated: 'AMF_TRUNCATED',
  /** AMF nesting deeper than the cap. */
  AmfDepthExceeded: 'AMF_DEPTH_EXCEEDED',
  /** An AMF marker this decoder does not know, or cannot accept here. */
  AmfUnsupportedMarker: 'AMF_UNSUPPORTED_MARKER',
  /** An AMF reference to an entry that does not exist (or a cycle we refuse). */
  AmfBadReference: 'AMF_BAD_REFERENCE',
  /** A value that AMF cannot encode (a function, a symbol, a too-long string...). */
  AmfUnencodable: 'AMF_UNENCODABLE',
  /** An AMF message holding more values than the decoder's item cap (maxItems). */
  AmfTooManyItems: 'AMF_TOO_MANY_ITEMS',

  // commands (NetConnection / NetStream)
  /** A command message whose fields have the wrong AMF types. */
  CommandInvalid: 'COMMAND_INVALID',
  /** The server answered a request with `_error`. */
  CommandFailed: 'COMMAND_FAILED',
  /** The server refused `connect` (NetConnection.Connect.Rejected / Failed). */
  ConnectRejected: 'CONNECT_REJECTED',
  /** A NetStream onStatus with level "error" (e.g. NetStream.Publish.BadName). */
  StreamFailed: 'STREAM_FAILED',
  /** The server refused to let us publish: an error status, or the connection closed around `publish`. */
  PublishRefused: 'PUBLISH_REFUSED',
  /** An API call that the current state does not allow. */
  InvalidState: 'INVALID_STATE',
  /** A request or the connection timed out. */
  Timeout: 'TIMEOUT',

  // URLs
  /** Not a valid rtmp:// or rtmps:// URL. */
  UrlInvalid: 'URL_INVALID',

  // FLV and codecs
  /** An FLV tag (or FLV file header) that is malformed. */
  FlvInvalid: 'FLV_INVALID',
  /** An AVCDecoderConfigurationRecord (avcC) that is malformed. */
  AvcConfigInvalid: 'AVC_CONFIG_INVALID',
  /** A NAL unit length that runs past the sample. */
  NaluInvalid: 'NALU_INVALID',
  /** An AudioSpecificConfig that is malformed or uses reserved values. */
  AacConfigInvalid: 'AAC_CONFIG_INVALID',
  /** Another codec configuration (hvcC, av1C, vpcC, Opus ID header, FLAC STREAMINFO) that is malformed. */
  CodecConfigInvalid: 'CODEC_CONFIG_INVALID',
  /** A codec we do not support: ADPCM, device-specific sound…, or an E-RTMP FourCC we do not know (`details.fourCc`, and `details.trackId` in a multitrack message, where it costs only that track). Not fatal. */
  CodecUnsupported: 'CODEC_UNSUPPORTED',
  /** An audio packet our own decoders (Nellymoser, Speex) cannot decode: truncated, reserved mode bits, indices out of range. Costs that packet. */
  AudioPacketInvalid: 'AUDIO_PACKET_INVALID',

  // WebCodecs
  /** A WebCodecs decoder took input and gave nothing back for seconds: it was rebuilt, and plays on from the next keyframe. Not fatal. */
  DecoderStalled: 'DECODER_STALLED',

  // transport
  /** The connection closed. */
  TransportClosed: 'TRANSPORT_CLOSED',
  /** The socket (or WebSocket) reported an error. */
  TransportError: 'TRANSPORT_ERROR',
} as const;

/** A stable error code: one of the values of {@link RtmpErrorCode}. */
export type RtmpErrorCode = (typeof RtmpErrorCode)[keyof typeof RtmpErrorCode];

/** Options for {@link RtmpError}. */
export interface RtmpErrorOptions {
  /** Whether the session cannot go on after this error. Defaults to true. */
  fatal?: boolean;
  /** The underlying error, if any. */
  cause?: unknown;
  /** Structured detail, e.g. the server's onStatus info object. Never secrets. */
  details?: Record<string, unknown>;
}

/** The one error class the RTMP stack throws or reports for bad input. */
export class RtmpError extends Error {
  override readonly name = 'RtmpError';
  /** Stable machine-readable code. */
  readonly code: RtmpErrorCode;
  /** True when the session (connection, stream or decoder) cannot go on. */
  readonly fatal: boolean;
  /** Structured detail, e.g. the server's status info object. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: RtmpErrorCode, message: string, options: RtmpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fatal = options.fatal ?? true;
    this.details = options.details;
  }
}

/** True when `e` is an {@link RtmpError}, optionally with the given code. */
export function isRtmpError(e: unknown, code?: RtmpErrorCode): e is RtmpError {
  return e instanceof RtmpError && (code === undefined || e.code === code);
}

/** Throws if `condition` is false. For invariants only: never for bad input. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new Error(`rtmp-web internal error: ${message}`);
}
