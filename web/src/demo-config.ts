/**
 * What `npm start` tells the demo page about the servers it started: served
 * as JSON at {@link DEMO_CONFIG_PATH} by the dev server (scripts/demo-stack.ts).
 * A page served some other way gets no config and falls back to defaults.
 */

/** Where the dev server serves the {@link DemoConfig}. */
export const DEMO_CONFIG_PATH = '/demo-config.json';

/** The servers `npm start` runs. */
export interface DemoConfig {
  /** The embedded RTMP server's application URL, e.g. `rtmp://127.0.0.1:1935/live` (no stream name). */
  rtmpUrl: string;
  /**
   * The bridge's URL, e.g. `ws://127.0.0.1:8081/`. When the stack listens on
   * every interface its host is `{hostname}`, to be replaced by the host the
   * page was loaded from.
   */
  bridgeUrl: string;
  /** The embedded server's HTTP-FLV base, e.g. `http://127.0.0.1:8000/live/` (append `<name>.flv`). */
  httpFlvUrl: string;
  /** Every `host:port` the bridge lets pages reach. */
  allow: string[];
}

/** The config used when the page was not served by `npm start`. */
export const FALLBACK_CONFIG: DemoConfig = {
  rtmpUrl: 'rtmp://127.0.0.1:1935/live',
  bridgeUrl: 'ws://127.0.0.1:8081/',
  httpFlvUrl: 'http://127.0.0.1:8000/live/',
  allow: ['127.0.0.1:1935'],
};

/** Fetches the config from the dev server, or returns {@link FALLBACK_CONFIG} (and `served: false`). */
export async function loadDemoConfig(location: Location = window.location): Promise<{ config: DemoConfig; served: boolean }> {
  try {
    const res = await fetch(DEMO_CONFIG_PATH, { cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const config = (await res.json()) as DemoConfig;
    return { config: { ...config, bridgeUrl: config.bridgeUrl.replace('{hostname}', location.hostname) }, served: true };
  } catch {
    return { config: FALLBACK_CONFIG, served: false };
  }
}
