/**
 * The soak's faults: what each kind does to the stack, when its cause is
 * gone (recovery is timed from then), and how the run knows it recovered.
 * The run plays them in {@link FAULT_KINDS}' order, one per slot, round and
 * round.
 */
import { BENCH_VIDEO } from '../bench/bench-protocol.ts';
import type { SoakVideoSize } from './soak-protocol.ts';
import type { ServerRoute, SoakStack } from './soak-stack.ts';

/** The fault kinds, in rotation order. */
export const FAULT_KINDS = [
  'server-restart',
  'bridge-restart',
  'network-stall',
  'bandwidth-quarter',
  'republish',
  'resolution-change',
  'reconnect-request',
  'tab-hidden',
] as const;

/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How long each fault's cause lasts, ms. */
export interface FaultHolds {
  /** The server is down this long before it starts again. */
  serverDownMs: number;
  /** Both directions of the current server's link pass nothing this long. */
  stallMs: number;
  /** The publisher's upload is held to a quarter of its bitrate this long. */
  bandwidthMs: number;
  /** The publisher is stopped this long before it starts again. */
  republishGapMs: number;
  /** The player's tab is hidden this long. */
  hiddenMs: number;
}

/** The holds: a 10 s stall, 30 s at a quarter of the bandwidth, the player's tab hidden 30 s. */
export const SOAK_HOLDS: FaultHolds = { serverDownMs: 2000, stallMs: 10_000, bandwidthMs: 30_000, republishGapMs: 2000, hiddenMs: 30_000 };

/** The short soak's (in `npm test`): every kind once in 2 minutes, so the long holds are shorter. */
export const SHORT_HOLDS: FaultHolds = { serverDownMs: 2000, stallMs: 5000, bandwidthMs: 6000, republishGapMs: 2000, hiddenMs: 5000 };

/** What each kind does, for the report. */
export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  'server-restart': 'the RTMP server the elements are on stopped, started again on its port after a pause',
  'bridge-restart': 'the bridge process killed (SIGKILL) and started again on its port',
  'network-stall': 'the throttle proxy passes nothing either way (connections stay open)',
  'bandwidth-quarter': "the publisher's upload held to a quarter of its video + audio bitrate",
  republish: 'the publisher stopped (unpublish), started again after a pause (republish)',
  'resolution-change': 'the publisher republished at the other size (640×360 ⇄ 480×270)',
  'reconnect-request': 'an E-RTMP reconnect request to both elements, naming the other server',
  'tab-hidden': "another tab brought to the front over the player's (visibilityState hidden), then the player's again",
};

/** The other picture size, for the resolution change. */
export const ALTERNATE_SIZE: SoakVideoSize = { width: 480, height: 270 };

/** What the run keeps between faults: where the elements are, and what they send. */
export interface SoakState {
  /** The route the elements are on (0: A, 1: B). */
  route: 0 | 1;
  size: SoakVideoSize;
  /** The publisher's start options (the server address follows `route`). */
  streamKey: string;
}

/** When a fault began and when its cause was gone (Date.now()), with what was seen on the way. */
export interface FaultTiming {
  startedAt: number;
  causeGoneAt: number;
  note: string;
}

/** The address the elements use on `route`. */
export function routeUrl(stack: SoakStack, route: 0 | 1): string {
  return stack.routes[route].url;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the publisher on the current route at the current size. */
export async function startPublisher(stack: SoakStack, state: SoakState): Promise<void> {
  const o = { url: routeUrl(stack, state.route), streamKey: state.streamKey, bridge: stack.bridge.url, audio: true };
  await stack.publisher.page.evaluate((o, size) => window.soakPage.startPublisher(o, size), o, state.size);
}

/** The publisher's video + audio bitrate, kbit/s (the audio at the element's default 128). */
const PUBLISHED_KBPS = BENCH_VIDEO.bitrateKbps + 128;

/**
 * Runs one fault of `kind` on `stack` and resolves when its cause is gone.
 * Recovery is then: the player displays a new frame (a readable timecode
 * newer than any it showed before), and the publisher is `publishing`.
 */
export async function injectFault(kind: FaultKind, stack: SoakStack, state: SoakState, holds: FaultHolds): Promise<FaultTiming> {
  const route: ServerRoute = stack.routes[state.route];
  const startedAt = Date.now();
  let note = '';
  switch (kind) {
    case 'server-restart':
      await route.stopServer();
      await sleep(holds.serverDownMs);
      await route.startServer();
      note = `server ${route.name} down ${Date.now() - startedAt} ms`;
      break;
    case 'bridge-restart':
      await stack.bridge.restart();
      note = `bridge pid ${stack.bridge.pid ?? '?'}`;
      break;
    case 'network-stall':
      route.throttle.stall();
      await sleep(holds.stallMs);
      route.throttle.resume();
      break;
    case 'bandwidth-quarter': {
      const kbps = Math.round(PUBLISHED_KBPS / 4);
      route.throttle.setKbps(kbps);
      await sleep(holds.bandwidthMs);
      route.throttle.setKbps(0);
      note = `${kbps} kbit/s`;
      break;
    }
    case 'republish':
      await stack.publisher.page.evaluate(() => window.soakPage.stopPublisher());
      await sleep(holds.republishGapMs);
      // The cause is gone when the page calls start() again.
      return { startedAt, causeGoneAt: Date.now(), note: await restart(stack, state) };
    case 'resolution-change':
      await stack.publisher.page.evaluate(() => window.soakPage.stopPublisher());
      state.size = state.size.width === ALTERNATE_SIZE.width ? { width: BENCH_VIDEO.width, height: BENCH_VIDEO.height } : ALTERNATE_SIZE;
      return { startedAt, causeGoneAt: Date.now(), note: `${state.size.width}×${state.size.height}${await restart(stack, state)}` };
    case 'reconnect-request': {
      const to = state.route === 0 ? 1 : 0;
      const n = route.reconnect.request(routeUrl(stack, to), 'soak: move to the other server');
      state.route = to;
      note = `${route.name} → ${stack.routes[to].name}, ${n} connection(s) asked`;
      break;
    }
    case 'tab-hidden': {
      await stack.cover.bringToFront();
      const hidden = await stack.player.page.evaluate(() => document.visibilityState);
      await sleep(holds.hiddenMs);
      await stack.player.page.bringToFront();
      const shown = await stack.player.page.evaluate(() => document.visibilityState);
      note = `visibilityState ${hidden} → ${shown}`;
      break;
    }
  }
  return { startedAt, causeGoneAt: Date.now(), note };
}

/** start() again; a start that fails is noted (the run then sees no recovery). */
async function restart(stack: SoakStack, state: SoakState): Promise<string> {
  try {
    await startPublisher(stack, state);
    return '';
  } catch (e) {
    return ` start() failed: ${String(e)}`;
  }
}
