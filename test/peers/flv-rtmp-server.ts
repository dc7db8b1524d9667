/**
 * A small RTMP server for tests that serves one FLV file, paced in real time,
 * to whoever plays any stream name: for streams no relay passes through
 * intact, such as FFmpeg 8.1's multitrack FLV (node-media-server overwrites
 * its cached audio sequence header when a second audio track comes). FFmpeg's
 * own listen-mode server cannot be used to serve it from node-av, whose
 * muxer takes no protocol options (`listen`).
 *
 * The protocol side is the core's in-process FakeRtmpServer (server
 * handshake, chunk reader and writer, commands) over a net.Socket: connect,
 * createStream and play are answered as nginx-rtmp answers them, then the
 * file's script, audio and video tags go out as messages on stream 1 at their
 * timestamps. One player at a time; every socket closes on stop().
 */
import net from 'node:net';
import { ChunkStreamId, FlvFileReader, type FlvFileTag, MessageType, UserControlEvent } from '@rtmp-web/core';
import { FakeRtmpServer } from '../../packages/rtmp-core/test/fake-server.ts';
import { freePort } from './free-port.ts';

/** A running {@link startFlvRtmpServer}. */
export interface FlvRtmpServerPeer {
  port: number;
  /** `rtmp://127.0.0.1:<port>/live` */
  url: string;
  /** Players that reached `play`, and the tags sent to the last one. */
  stats(): { plays: number; tagsSent: number; errors: string[] };
  stop(): Promise<void>;
}

/** Options for {@link startFlvRtmpServer}. */
export interface FlvRtmpServerOptions {
  /** Send each tag at its timestamp (default), or all at once. */
  realtime?: boolean;
  /**
   * Close the connection this many ms after the last tag (default 500), so
   * a reader sees the end at once rather than at its read timeout; -1 keeps
   * it open, as a live server would.
   */
  closeAfterEndMs?: number;
}

const STREAM_ID = 1;

/** Parses a whole FLV file into its tags. */
function flvTags(flv: Uint8Array): FlvFileTag[] {
  const reader = new FlvFileReader();
  const items = reader.push(flv);
  reader.end();
  return items.filter((i): i is FlvFileTag => i.kind === 'tag');
}

/** Serves `flv` (a whole FLV file) on a free loopback port. */
export async function startFlvRtmpServer(flv: Uint8Array, options: FlvRtmpServerOptions = {}): Promise<FlvRtmpServerPeer> {
  const tags = flvTags(flv);
  const realtime = options.realtime ?? true;
  const closeAfterEndMs = options.closeAfterEndMs ?? 500;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const stats = { plays: 0, tagsSent: 0, errors: [] as string[] };

  const serve = (socket: net.Socket): void => {
    sockets.add(socket);
    let playing = false;
    const rtmp = new FakeRtmpServer((b) => {
      if (!socket.destroyed) socket.write(b);
    });
    const pump = (): void => {
      stats.plays++;
      stats.tagsSent = 0;
      const t0 = performance.now();
      const first = tags[0]?.timestamp ?? 0;
      let i = 0;
      const next = (): void => {
        timers.delete(timer);
        if (socket.destroyed || !playing) return;
        const now = performance.now() - t0;
        for (; i < tags.length && (!realtime || tags[i]!.timestamp - first <= now); i++) {
          const t = tags[i]!;
          const typeId = t.tagType === 8 ? MessageType.Audio : t.tagType === 9 ? MessageType.Video : MessageType.DataAmf0;
          const csid = t.tagType === 8 ? ChunkStreamId.Audio : t.tagType === 9 ? ChunkStreamId.Video : ChunkStreamId.StreamCommand;
          rtmp.send({ csid, typeId, streamId: STREAM_ID, timestamp: t.timestamp - first, payload: t.data });
          stats.tagsSent++;
        }
        if (i >= tags.length) {
          rtmp.sendUserControl(UserControlEvent.StreamEOF, STREAM_ID);
          rtmp.sendStatus(STREAM_ID, 'status', 'NetStream.Play.Complete');
          if (closeAfterEndMs >= 0) {
            const close = setTimeout(() => socket.end(), closeAfterEndMs);
            timers.add(close);
          }
          return;
        }
        timer = setTimeout(next, Math.max(1, Math.min(20, tags[i]!.timestamp - first - now)));
        timers.add(timer);
      };
      let timer = setTimeout(next, 0);
      timers.add(timer);
    };
    rtmp.onCommand = (c) => {
      switch (c.name) {
        case 'connect':
          rtmp.acceptConnect(c.transactionId);
          break;
        case 'createStream':
          rtmp.sendCommand(0, '_result', c.transactionId, null, STREAM_ID);
          break;
        case 'play':
          rtmp.streamBegin(STREAM_ID);
          rtmp.sendStatus(STREAM_ID, 'status', 'NetStream.Play.Reset');
          rtmp.sendStatus(STREAM_ID, 'status', 'NetStream.Play.Start');
          playing = true;
          pump();
          break;
        case 'deleteStream':
        case 'closeStream':
          playing = false;
          break;
        default:
          // releaseStream, FCPublish, getStreamLength…: nothing to answer.
          break;
      }
    };
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => {
      try {
        rtmp.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      } catch (e) {
        stats.errors.push(String(e));
        socket.destroy();
      }
    });
    socket.on('error', (e) => stats.errors.push(String(e)));
    socket.on('close', () => {
      playing = false;
      sockets.delete(socket);
    });
  };

  const server = net.createServer(serve);
  server.maxConnections = 1;
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    url: `rtmp://127.0.0.1:${port}/live`,
    stats: () => ({ ...stats, errors: [...stats.errors] }),
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
