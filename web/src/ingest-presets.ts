/**
 * Where the demo can publish to: the embedded server that `npm start` runs,
 * and the big platforms' RTMP(S) ingests.
 */

/** One destination in the demo's "Destination" menu. */
export interface IngestPreset {
  id: string;
  label: string;
  /** The server URL, with the application (the stream key goes in its own field). */
  url: string;
  /** Whether the demo's player can play back what is published there. */
  playable: boolean;
  /** A word on where to find the stream key. */
  keyHint: string;
}

/** The preset for the embedded server; its URL comes from the running stack. */
export function localPreset(rtmpUrl: string): IngestPreset {
  return {
    id: 'local',
    label: 'This machine (npm start)',
    url: rtmpUrl,
    playable: true,
    keyHint: 'Any name: it becomes the stream name the player plays.',
  };
}

/** The platform ingests. Their stream keys come from each platform's dashboard. */
export const PLATFORM_PRESETS: readonly IngestPreset[] = [
  {
    id: 'twitch',
    label: 'Twitch (RTMPS)',
    url: 'rtmps://ingest.global-contribute.live-video.net/app',
    playable: false,
    keyHint: 'Twitch dashboard → Settings → Stream → Primary stream key.',
  },
  {
    id: 'youtube-rtmps',
    label: 'YouTube (RTMPS)',
    url: 'rtmps://a.rtmps.youtube.com:443/live2',
    playable: false,
    keyHint: 'YouTube Studio → Go live → Stream key.',
  },
  {
    id: 'youtube-rtmp',
    label: 'YouTube (RTMP)',
    url: 'rtmp://a.rtmp.youtube.com/live2',
    playable: false,
    keyHint: 'YouTube Studio → Go live → Stream key.',
  },
  {
    id: 'facebook',
    label: 'Facebook Live (RTMPS)',
    url: 'rtmps://live-api-s.facebook.com:443/rtmp/',
    playable: false,
    keyHint: 'Facebook → Live Producer → Streaming software → Stream key.',
  },
  {
    id: 'custom',
    label: 'Custom server…',
    url: '',
    playable: true,
    keyHint: 'The stream name or key your server expects.',
  },
];

/**
 * The `host:port` a bridge must allow for `url` (rtmp:// defaults to 1935,
 * rtmps:// to 443), or `undefined` when it is not an RTMP URL.
 */
export function ingestTarget(url: string): string | undefined {
  const m = /^(rtmps?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(?:[/?#]|$)/i.exec(url.trim());
  if (!m) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  const host = (m[2] ?? '').toLowerCase();
  const port = m[3] ?? (scheme === 'rtmps' ? '443' : '1935');
  return `${host}:${port}`;
}

/**
 * Whether a bridge allowlist (`host:port` entries, `*.suffix:port`
 * wildcards for exactly one more label, as rtmp-bridge reads them) covers
 * `target` (`host:port`, lower case, as {@link ingestTarget} returns it).
 */
export function allowlistCovers(allow: readonly string[], target: string): boolean {
  return allow.some((entry) => {
    const e = entry.toLowerCase();
    if (e === target) return true;
    if (!e.startsWith('*.')) return false;
    const suffix = e.slice(1); // ".suffix:port"
    if (!target.endsWith(suffix)) return false;
    const label = target.slice(0, target.length - suffix.length);
    return label.length > 0 && !label.includes('.');
  });
}
