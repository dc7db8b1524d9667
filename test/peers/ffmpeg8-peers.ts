/**
 * Browser-test commands for FFmpeg 8.1 (node-av) as the Enhanced RTMP peer,
 * registered by wtr-peers-plugin.ts:
 *
 * | command | payload | returns |
 * | --- | --- | --- |
 * | `peers-ffmpeg8-publish` | `Ffmpeg8SourceOptions & { url }` | `{ id }`: publishing in real time; `peers-ffmpeg8-result` gives packets written |
 * | `peers-ffmpeg8-read` | `{ url, seconds, listen?, openTimeoutMs? }` | `{ id, url, port }` once it reads (with `listen`, once it listens; port 0 in `url`: a free one, in the `url` returned); `peers-ffmpeg8-result` gives the per-stream report |
 * | `peers-ffmpeg8-result` | `{ id }` | that job's result (waits for it) |
 * | `peers-ffmpeg8-multitrack-server` | `Partial<Ffmpeg8SourceOptions> & { seconds }` | `{ id, port, url }`: FFmpeg 8.1's one-video, N-Opus FLV served to one player at a time |
 */
import {
  type Ffmpeg8Job,
  type Ffmpeg8SourceOptions,
  ffmpeg8Publish,
  ffmpeg8Read,
  startFfmpeg8MultitrackServer,
} from './ffmpeg8.ts';
import { freePort, waitForListening } from './free-port.ts';

type Payload = Record<string, unknown> | undefined;
type Keep = (peer: { stop(): Promise<void>; log?(): string }) => string;

/** The commands, sharing the plugin's `keep` (stopped when the run ends). */
export function ffmpeg8Commands(keep: Keep): Record<string, (p: Payload) => Promise<unknown>> {
  const jobs = new Map<string, Ffmpeg8Job<unknown>>();
  const track = (job: Ffmpeg8Job<unknown>): string => {
    const id = keep(job);
    jobs.set(id, job);
    return id;
  };
  return {
    async 'peers-ffmpeg8-publish'(p) {
      const { url, ...source } = (p ?? {}) as unknown as Ffmpeg8SourceOptions & { url: string };
      return { id: track(ffmpeg8Publish(String(url), source)) };
    },

    async 'peers-ffmpeg8-read'(p) {
      const listen = p?.listen === true;
      const asked = new URL(String(p?.url));
      if (listen && asked.port === '0') asked.port = String(await freePort());
      const url = asked.href;
      const job = ffmpeg8Read(url, {
        seconds: Number(p?.seconds ?? 5),
        listen,
        openTimeoutMs: Number(p?.openTimeoutMs ?? 10_000),
      });
      const id = track(job);
      if (listen) {
        await job.ready;
        await waitForListening(Number(asked.port || 1935), 10_000);
      }
      return { id, url, port: Number(asked.port || 1935) };
    },

    async 'peers-ffmpeg8-result'(p) {
      const job = jobs.get(String(p?.id));
      if (job === undefined) throw new Error(`no FFmpeg 8.1 job ${String(p?.id)}`);
      return job.result;
    },

    async 'peers-ffmpeg8-multitrack-server'(p) {
      const s = await startFfmpeg8MultitrackServer({ ...(p as Partial<Ffmpeg8SourceOptions>), seconds: Number(p?.seconds ?? 5) });
      return { id: keep(s), port: s.port, url: s.url };
    },
  };
}
