/**
 * @rtmp-web/core: the sans-I/O RTMP stack.
 *
 * Bytes in, messages out; messages in, bytes out. Nothing here touches the
 * DOM, a socket or a timer, so it runs unchanged in Node, a Web Worker and
 * tests. Transports (net/tls in Node, WebSocket in the browser) live in
 * their own packages and feed this one.
 */
export * from './errors.ts';
export * from './bytes/byte-cursor.ts';
export * from './bytes/byte-queue.ts';
