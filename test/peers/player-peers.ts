/**
 * Peer commands for the player's browser tests, merged into the
 * @web/test-runner peers plugin (wtr-peers-plugin.ts):
 *
 * | command | payload | returns |
 * | --- | --- | --- |
 * | `peers-freeze-proxy` | `{ port }` | `{ id, port }`: a TCP proxy to 127.0.0.1:port that can stop passing bytes without closing (a stall) |
 * | `peers-freeze-set` | `{ id, frozen }` | `true`: while frozen, nothing goes either way on any of its connections |
 * | `peers-jitter-proxy` | `{ port, maxDelayMs }` | `{ id, port }`: a TCP proxy to 127.0.0.1:port that delays each server → client write by a random 0–maxDelayMs (order kept) |
 * | `peers-timecode-publish` | `{ url, audio?, maxMs? }` | `{ id }`: FFmpeg publishing raw frames that carry the wall-clock timecode (test/bench/ffmpeg-reference.ts), 2 s GOPs |
 * | `peers-ffmpeg-listen-serve` | `{ streamKey?, maxMs? }` | `{ id, port, url }`: FFmpeg's own RTMP server (`-listen 1`) on a free loopback port, serving one player a live testsrc2 (640×360, 30 fps, 1 s GOPs) + 440 Hz H.264/AAC stream |
 */
import net from 'node:net';
import { startReferencePublisher } from '../bench/ffmpeg-reference.ts';
import { spawnFfmpeg } from './ffmpeg.ts';
import { freePort, waitForListening } from './free-port.ts';

type Payload = Record<string, unknown> | undefined;
type Keep = (peer: { stop(): Promise<void>; log?(): string }) => string;

const freezers = new Map<string, (frozen: boolean) => void>();

/** Frozen: unpiped and paused (bytes wait in the kernel; nothing is lost or closed). Thawed: piped both ways. */
function setFrozen([client, upstream]: [net.Socket, net.Socket], frozen: boolean): void {
  if (frozen) {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  } else {
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** A TCP proxy on loopback: its port, its live connection pairs, and stop(). */
interface Proxy {
  port: number;
  pairs: Set<[net.Socket, net.Socket]>;
  stop(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:`target`: for each client, a connection upstream,
 * handed to `wire` as [client, upstream] to move bytes as it likes; either
 * side's end or error ends both.
 */
async function startProxy(target: number, wire: (pair: [net.Socket, net.Socket]) => void): Promise<Proxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    wire(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
  return {
    port,
    pairs,
    stop: () =>
      new Promise<void>((r) => {
        for (const pair of pairs) for (const sock of pair) sock.destroy();
        server.close(() => r());
      }),
  };
}

/** The player's commands; `keep` registers a peer with the plugin (stopped at the end). */
export function playerCommands(keep: Keep): Record<string, (p: Payload) => Promise<unknown>> {
  return {
    async 'peers-freeze-proxy'(p) {
      let frozen = false;
      const proxy = await startProxy(Number(p?.port), (pair) => setFrozen(pair, frozen));
      const id = keep(proxy);
      freezers.set(id, (f) => {
        frozen = f;
        for (const pair of proxy.pairs) setFrozen(pair, f);
      });
      return { id, port: proxy.port };
    },

    async 'peers-freeze-set'(p) {
      freezers.get(String(p?.id))?.(Boolean(p?.frozen));
      return true;
    },

    async 'peers-jitter-proxy'(p) {
      const maxDelayMs = Number(p?.maxDelayMs ?? 150);
      const proxy = await startProxy(Number(p?.port), ([client, upstream]) => {
        client.setNoDelay(true);
        upstream.setNoDelay(true);
        client.pipe(upstream);
        // Server → client: each chunk waits a random delay, never overtaking the
        // one before it (TCP keeps order): one queue, one timer at a time.
        const queue: { at: number; b: Buffer }[] = [];
        let releaseAt = 0;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const pump = () => {
          timer = undefined;
          while (queue.length > 0 && queue[0]!.at <= performance.now()) {
            const { b } = queue.shift()!;
            if (!client.destroyed) client.write(b);
          }
          if (queue.length > 0) timer = setTimeout(pump, queue[0]!.at - performance.now());
        };
        upstream.on('data', (b: Buffer) => {
          releaseAt = Math.max(releaseAt, performance.now() + Math.random() * maxDelayMs);
          queue.push({ at: releaseAt, b });
          if (timer === undefined) timer = setTimeout(pump, releaseAt - performance.now());
        });
      });
      return { id: keep(proxy), port: proxy.port };
    },

    async 'peers-ffmpeg-listen-serve'(p) {
      // FFmpeg's own RTMP server as the player's peer: it waits for one client, then encodes live for it.
      const port = await freePort();
      const url = `rtmp://127.0.0.1:${port}/live`;
      const ff = spawnFfmpeg(
        [
          '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
          '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
          '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p',
          '-c:a', 'aac', '-f', 'flv', '-listen', '1', `${url}/${String(p?.streamKey ?? 'x')}`,
        ],
        Number(p?.maxMs ?? 120_000),
      );
      await waitForListening(port);
      return { id: keep({ stop: () => ff.stop(), log: () => ff.stderr() }), port, url };
    },

    async 'peers-timecode-publish'(p) {
      const pub = startReferencePublisher(String(p?.url), Boolean(p?.audio), Number(p?.maxMs ?? 120_000));
      return { id: keep({ stop: () => pub.stop(), log: () => pub.log() }) };
    },
  };
}
