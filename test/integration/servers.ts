/** The real RTMP servers the integration tests run against, by name. */
import { startNginxRtmp } from '../peers/nginx-rtmp.ts';
import { startNodeMediaServer } from '../peers/node-media-server.ts';

/** What a test needs from a running server. */
export interface RtmpServerPeer {
  port: number;
  /** `rtmp://127.0.0.1:<port>/live` */
  url: string;
  log(): string;
  stop(): Promise<void>;
}

/** Each real server, with a function that starts it on loopback. */
export const SERVERS: [name: string, start: () => Promise<RtmpServerPeer>][] = [
  ['nginx-rtmp', () => startNginxRtmp()],
  ['node-media-server', () => startNodeMediaServer()],
];
