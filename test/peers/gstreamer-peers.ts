/**
 * Browser-test commands for GStreamer (gst-launch-1.0 with rtmp2) as a peer,
 * registered by wtr-peers-plugin.ts (see gstreamer.ts for the pipelines):
 *
 * | command | payload | returns |
 * | --- | --- | --- |
 * | `peers-gst-publish` | `GstSourceOptions & { url, maxMs? }` | `{ id }`: rtmp2sink publishing SMPTE bars (H.264) and a tone (AAC) live; `peers-log` gives its stderr |
 * | `peers-gst-read` | `{ url, seconds }` | `{ id }`: rtmp2src decoding the stream for `seconds`; `peers-gst-result` gives what it decoded |
 * | `peers-gst-result` | `{ id }` | `GstReadResult` (waits for the read to end) |
 */
import { type GstReader, type GstSourceOptions, gstPublish, gstRead } from './gstreamer.ts';

type Payload = Record<string, unknown> | undefined;
type Keep = (peer: { stop(): Promise<void>; log?(): string }) => string;

/** The commands, sharing the plugin's `keep` (stopped when the run ends). */
export function gstreamerCommands(keep: Keep): Record<string, (p: Payload) => Promise<unknown>> {
  const readers = new Map<string, GstReader>();
  return {
    async 'peers-gst-publish'(p) {
      const { url, maxMs, ...source } = (p ?? {}) as GstSourceOptions & { url?: string; maxMs?: number };
      const gst = await gstPublish(String(url), source, maxMs ?? 120_000);
      return { id: keep({ stop: () => gst.stop(), log: () => gst.stderr() }) };
    },

    async 'peers-gst-read'(p) {
      const reader = gstRead(String(p?.url), Number(p?.seconds ?? 5));
      const id = keep({ stop: () => reader.stop(), log: () => reader.stderr() });
      readers.set(id, reader);
      return { id };
    },

    async 'peers-gst-result'(p) {
      const reader = readers.get(String(p?.id));
      if (reader === undefined) throw new Error(`no GStreamer reader ${String(p?.id)}`);
      return reader.result;
    },
  };
}
