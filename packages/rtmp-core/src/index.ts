/**
 * @rtmp-web/core: the sans-I/O RTMP stack.
 *
 * Bytes in, messages out; messages in, bytes out. Nothing here touches the
 * DOM or a socket, so it runs unchanged in Node, a Web Worker and tests.
 * Transports (net/tls in Node, WebSocket in the browser) live in
 * @rtmp-web/transport and plug into {@link RtmpClient}.
 */
export * from './errors.ts';
export * from './deadline.ts';
export * from './bytes/byte-cursor.ts';
export * from './bytes/byte-queue.ts';
export * from './events/typed-emitter.ts';
export { RtmpClientHandshake, type ClientHandshakeOptions, type HandshakeMode, type HandshakeStep } from './handshake/handshake.ts';
export { RtmpServerHandshake, type ServerHandshakeOptions } from './handshake/server-handshake.ts';
export { sha256, hmacSha256 } from './handshake/sha256.ts';
export * from './chunk/chunk-reader.ts';
export * from './chunk/chunk-writer.ts';
export * from './message/message-types.ts';
export * from './message/protocol-control.ts';
export * from './message/user-control.ts';
export * from './message/control-message.ts';
export * from './amf/amf-value.ts';
export { decodeAmf0, encodeAmf0 } from './amf/amf0.ts';
export { decodeAmf3, encodeAmf3 } from './amf/amf3.ts';
export * from './command/command-message.ts';
export * from './session/client-session.ts';
export * from './session/aggregate.ts';
export * from './session/enhanced-capabilities.ts';
export * from './client/transport.ts';
export * from './client/rtmp-client.ts';
export * from './client/rtmp-connection.ts';
export * from './url/rtmp-url.ts';
export * from './url/reconnect-url.ts';
export * from './flv/index.ts';
export * from './client/backoff.ts';
export * from './audio-codecs/pcm-decoder.ts';
export * from './audio-codecs/nellymoser/nellymoser-decoder.ts';
export * from './audio-codecs/speex/speex-decoder.ts';
