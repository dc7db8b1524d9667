/**
 * A loopback TCP proxy to an RTMP server that can inject Enhanced RTMP's
 * reconnect request (NetConnection onStatus
 * `NetConnection.Connect.ReconnectRequest`) into the server → client bytes,
 * for the browser tests of both elements: nginx-rtmp never sends one itself.
 *
 * | command | payload | returns |
 * | --- | --- | --- |
 * | `peers-reconnect-proxy` | `{ port }` | `{ id, port }`: a proxy to 127.0.0.1:port |
 * | `peers-reconnect-request` | `{ id, tcUrl?, description? }` | `{ injected }`: how many live connections got the request (each at its next chunk boundary) |
 * | `peers-reconnect-proxy-info` | `{ id }` | `{ accepted, open, closed }`: connections made through it, still open, and closed |
 * | `peers-reconnect-packets` | `{ url, seconds, rwTimeoutMs? }` | `{ video: number[], audio: number[] }`: ffprobe's packet pts (s) on url over `seconds` of stream time, or until nothing came for rwTimeoutMs (default 3 s: a stream that moved away ends the read well within a browser command's 20 s) |
 *
 * To insert a whole message without cutting one of the server's chunks, the
 * proxy follows the server → client chunk stream ({@link ServerChunkTracker}):
 * it skips S0 S1 S2 (1 + 1536 + 1536 bytes), then parses each chunk header
 * (fmt 0–3, the 1–3 byte csid forms, extended timestamps, also repeated on
 * fmt 3 chunks) and the server's Set Chunk Size messages, so it knows where
 * each chunk ends. The request is written there with the core's ChunkWriter
 * at the server's current chunk size, as fmt 0 + fmt 3 chunks on a chunk
 * stream id the server has not used (20 or above), message stream 0.
 * Chunks of different csids may interleave (RTMP 1.0 §5.3.1), so a message
 * of the server's that is only part sent stays intact.
 */
import net from 'node:net';
import { spawn } from 'node:child_process';
import { ChunkWriter, encodeCommand, MessageType, RECONNECT_REQUEST_CODE } from '@rtmp-web/core';

type Payload = Record<string, unknown> | undefined;
type Keep = (peer: { stop(): Promise<void>; log?(): string }) => string;

/** S0 + S1 + S2. */
export const SERVER_HANDSHAKE_BYTES = 1 + 1536 + 1536;

interface CsidState {
  length: number;
  typeId: number;
  /** The last fmt 0–2 header had an extended timestamp (fmt 3 chunks repeat it). */
  extended: boolean;
  /** Bytes of the current message still to come (0: the next chunk starts a new message). */
  remaining: number;
}

/**
 * Follows a server → client RTMP byte stream and says where each chunk
 * ends. Resumable: bytes may come split anywhere. Not a validator: on bytes
 * that are not RTMP it gives wrong boundaries, and the proxy would then
 * inject at a wrong place (the test would show it).
 */
export class ServerChunkTracker {
  /** The server's current chunk size (128 until its Set Chunk Size). */
  chunkSize = 128;
  /** Every chunk stream id the server has sent on. */
  readonly usedCsids = new Set<number>();
  private handshakeLeft = SERVER_HANDSHAKE_BYTES;
  private readonly streams = new Map<number, CsidState>();
  // The header being read: its bytes so far and how many it needs.
  private header: number[] = [];
  // The chunk whose payload is being read.
  private current: CsidState | null = null;
  private chunkLeft = 0;
  // Set Chunk Size payload being collected.
  private scs: number[] | null = null;

  /** True between chunks (after the handshake): a whole message may be inserted here. */
  get atBoundary(): boolean {
    return this.handshakeLeft === 0 && this.header.length === 0 && this.current === null;
  }

  /**
   * Takes the next bytes; returns the offsets in `bytes` just after each
   * chunk that ends in them. With `untilFirstEnd`, stops after the first
   * one (the bytes after it are not taken: feed them next), so the state
   * (chunk size, used csids) is the one at that boundary.
   */
  feed(bytes: Uint8Array, untilFirstEnd = false): number[] {
    const ends: number[] = [];
    let i = 0;
    if (this.handshakeLeft > 0) {
      const n = Math.min(this.handshakeLeft, bytes.length);
      this.handshakeLeft -= n;
      i = n;
    }
    while (i < bytes.length && !(untilFirstEnd && ends.length > 0)) {
      if (this.current === null) {
        this.header.push(bytes[i++]!);
        if (this.headerComplete() && this.chunkLeft === 0) this.endChunk(ends, i); // an empty message
        continue;
      }
      const n = Math.min(this.chunkLeft, bytes.length - i);
      if (this.scs !== null) for (let k = 0; k < n; k++) this.scs.push(bytes[i + k]!);
      i += n;
      this.chunkLeft -= n;
      this.current.remaining -= n;
      if (this.chunkLeft === 0) this.endChunk(ends, i);
    }
    return ends;
  }

  private endChunk(ends: number[], at: number): void {
    const cur = this.current!;
    if (cur.remaining === 0 && cur.typeId === MessageType.SetChunkSize && this.scs !== null && this.scs.length >= 4) {
      const b = this.scs;
      this.chunkSize = (((b[0]! & 0x7f) << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    }
    if (cur.remaining === 0) this.scs = null;
    this.current = null;
    ends.push(at);
  }

  /** True once `header` holds a whole chunk header; then the chunk's payload is set up. */
  private headerComplete(): boolean {
    const h = this.header;
    const fmt = h[0]! >> 6;
    const low = h[0]! & 0x3f;
    const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
    if (h.length < basic) return false;
    const csid = low === 0 ? 64 + h[1]! : low === 1 ? 64 + h[1]! + h[2]! * 256 : low;
    const msgLen = [11, 7, 3, 0][fmt]!;
    if (h.length < basic + msgLen) return false;
    let st = this.streams.get(csid);
    if (st === undefined) {
      st = { length: 0, typeId: 0, extended: false, remaining: 0 };
      this.streams.set(csid, st);
    }
    const o = basic;
    const extended = fmt < 3 ? ((h[o]! << 16) | (h[o + 1]! << 8) | h[o + 2]!) === 0xffffff : st.extended;
    if (h.length < basic + msgLen + (extended ? 4 : 0)) return false;
    // Whole header: apply it.
    this.usedCsids.add(csid);
    st.extended = extended;
    if (fmt < 2) {
      st.length = (h[o + 3]! << 16) | (h[o + 4]! << 8) | h[o + 5]!;
      st.typeId = h[o + 6]!;
    }
    if (fmt < 3 || st.remaining === 0) st.remaining = st.length; // a new message
    if (st.remaining === st.length) this.scs = st.typeId === MessageType.SetChunkSize ? [] : this.scs;
    this.header = [];
    this.chunkLeft = Math.min(this.chunkSize, st.remaining);
    this.current = st;
    return true;
  }
}

/** The onStatus message, chunked for a reader whose chunk size is `chunkSize`, on `csid`. */
export function encodeReconnectRequest(chunkSize: number, csid: number, tcUrl?: string, description = 'the proxy asks you to move'): Uint8Array {
  const info: Record<string, string> = { level: 'status', code: RECONNECT_REQUEST_CODE, description };
  if (tcUrl !== undefined) info.tcUrl = tcUrl;
  const payload = encodeCommand({ name: 'onStatus', transactionId: 0, commandObject: null, args: [info] });
  const writer = new ChunkWriter({ maxCsid: 65599 });
  writer.chunkSize = chunkSize;
  return writer.write({ csid, typeId: MessageType.CommandAmf0, streamId: 0, timestamp: 0, payload });
}

/** A chunk stream id at or above 20 that the server has not used. */
export function freeCsid(used: ReadonlySet<number>): number {
  let c = 20;
  while (used.has(c)) c++;
  return c;
}

/**
 * Server → client: the bytes as they come, with `pending` requests written
 * at the next chunk boundary. Returns the pieces to write in order.
 */
export class Injector {
  readonly tracker = new ServerChunkTracker();
  private pending: { tcUrl?: string; description?: string }[] = [];

  /** Queues a request; returns bytes to write now if the stream is between chunks, else null (sent with the next data). */
  request(tcUrl?: string, description?: string): Uint8Array | null {
    if (this.tracker.atBoundary) return this.encode({ tcUrl, description });
    this.pending.push({ tcUrl, description });
    return null;
  }

  /** The server's next bytes, with any pending request spliced in at the first chunk end. */
  data(bytes: Uint8Array): Uint8Array[] {
    if (this.pending.length === 0) {
      this.tracker.feed(bytes);
      return [bytes];
    }
    const ends = this.tracker.feed(bytes, true);
    if (ends.length === 0) return [bytes];
    const at = ends[0]!;
    const out = [bytes.subarray(0, at)];
    // Encoded with the chunk size in effect at that boundary.
    for (const r of this.pending.splice(0)) out.push(this.encode(r));
    if (at < bytes.length) {
      out.push(bytes.subarray(at));
      this.tracker.feed(bytes.subarray(at));
    }
    return out;
  }

  private encode(r: { tcUrl?: string; description?: string }): Uint8Array {
    return encodeReconnectRequest(this.tracker.chunkSize, freeCsid(this.tracker.usedCsids), r.tcUrl, r.description);
  }
}

interface ReconnectProxy {
  port: number;
  request(tcUrl?: string, description?: string): number;
  info(): { accepted: number; open: number; closed: number };
  stop(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`target`. */
export async function startReconnectProxy(target: number): Promise<ReconnectProxy> {
  const live = new Set<{ client: net.Socket; upstream: net.Socket; injector: Injector }>();
  let accepted = 0;
  let closed = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const conn = { client, upstream, injector: new Injector() };
    live.add(conn);
    client.pipe(upstream);
    upstream.on('data', (b: Buffer) => {
      for (const piece of conn.injector.data(b)) if (!client.destroyed) client.write(piece);
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      closed++;
      live.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    // A half close passes on after the bytes before it.
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
  });
  const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
  return {
    port,
    request(tcUrl, description) {
      let n = 0;
      for (const conn of live) {
        const now = conn.injector.request(tcUrl, description);
        if (now !== null) conn.client.write(now);
        n++;
      }
      return n;
    },
    info: () => ({ accepted, open: live.size, closed }),
    stop: () =>
      new Promise<void>((r) => {
        for (const c of live) {
          c.client.destroy();
          c.upstream.destroy();
        }
        server.close(() => r());
      }),
  };
}

const proxies = new Map<string, ReconnectProxy>();

/** The reconnect proxy's commands; `keep` registers a peer with the plugin (stopped at the end). */
export function reconnectProxyCommands(keep: Keep): Record<string, (p: Payload) => Promise<unknown>> {
  return {
    async 'peers-reconnect-proxy'(p) {
      const proxy = await startReconnectProxy(Number(p?.port));
      const id = keep(proxy);
      proxies.set(id, proxy);
      return { id, port: proxy.port };
    },
    async 'peers-reconnect-request'(p) {
      const proxy = proxies.get(String(p?.id));
      if (proxy === undefined) throw new Error(`no reconnect proxy ${String(p?.id)}`);
      return { injected: proxy.request(p?.tcUrl as string | undefined, p?.description as string | undefined) };
    },
    async 'peers-reconnect-packets'(p) {
      const rw = Number(p?.rwTimeoutMs ?? 3000) * 1000;
      const args = ['-v', 'error', '-rw_timeout', String(rw), '-read_intervals', `%+${Number(p?.seconds ?? 5)}`, '-show_entries', 'packet=codec_type,pts_time', '-of', 'json', String(p?.url)];
      // Its output whatever the exit: a read that timed out after the stream went away still prints what it got.
      const out = await new Promise<string>((resolve) => {
        const child = spawn('ffprobe', args, { stdio: ['ignore', 'pipe', 'ignore'] });
        let text = '';
        child.stdout.on('data', (b: Buffer) => (text += b.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 19_000);
        child.on('close', () => {
          clearTimeout(timer);
          resolve(text);
        });
      });
      let raw: { codec_type: string; pts_time?: string }[] = [];
      try {
        raw = (JSON.parse(out) as { packets?: typeof raw }).packets ?? [];
      } catch {
        raw = [];
      }
      const pts = (t: string) => raw.filter((x) => x.codec_type === t).map((x) => Number(x.pts_time));
      return { video: pts('video'), audio: pts('audio') };
    },
    async 'peers-reconnect-proxy-info'(p) {
      const proxy = proxies.get(String(p?.id));
      if (proxy === undefined) throw new Error(`no reconnect proxy ${String(p?.id)}`);
      return proxy.info();
    },
  };
}
