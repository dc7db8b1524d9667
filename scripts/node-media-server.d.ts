/**
 * Types for the parts of node-media-server v4 (a CommonJS package with no
 * typings of its own) that the demo stack uses.
 */
declare module 'node-media-server' {
  /** The configuration object node-media-server v4 takes (the fields we set). */
  export interface NodeMediaServerConfig {
    bind: string;
    rtmp: { port: number; chunk_size?: number; gop_cache?: boolean; ping?: number; ping_timeout?: number };
    http: { port: number; allow_origin?: string };
    webadmin?: { enable: boolean };
    store?: { path: string };
    record?: { auto: boolean; path: string };
    auth?: { play: boolean; publish: boolean; secret: string; jwt?: { secret: string; users: unknown[] } };
  }

  /** An RTMP (and HTTP-FLV) server. It keeps module-level state: one per process. */
  export default class NodeMediaServer {
    constructor(config: NodeMediaServerConfig, configPath?: string);
    /** Starts listening; resolves once its store is open. */
    run(): Promise<void>;
    /** Closes the listeners and every connection. Idempotent. */
    stop(): Promise<void>;
    /** Session events (`prePublish`, `postPlay`…). */
    on(eventName: string, listener: (session: unknown) => void): void;
  }
}

declare module 'node-media-server/src/core/logger.js' {
  /** node-media-server's shared logger (a singleton); its constructor sets `level` to `debug`. */
  const logger: {
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
    /** Every line goes through here; replace it to filter or redirect. */
    log(message: string, level?: 'trace' | 'debug' | 'info' | 'warn' | 'error'): void;
  };
  export default logger;
}
