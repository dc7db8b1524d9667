/**
 * Refused publishes end in one clear, fatal `error` (code PUBLISH_REFUSED),
 * not a silent retry loop, and the stream key appears in no message.
 */
import type { PublisherErrorDetail } from '@rtmp-web/publisher';
import { assert, makePublisher, peer, Peers, record, sleep } from './publisher-helpers.ts';

const KEY = 'secret-key-7f3a';

function noKey(errors: PublisherErrorDetail[]): void {
  for (const e of errors) assert(!e.message.includes(KEY), `the stream key leaked into: ${e.message}`);
}

describe('<rtmp-publisher> refused publishes', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('nginx on_publish answering 403: a fatal PUBLISH_REFUSED error', async () => {
    const auth = await peer<{ id: string; port: number }>('peers-http-status', { status: 403 });
    peers.add(auth.id);
    const server = await peers.server('nginx', { applicationExtra: `on_publish http://127.0.0.1:${auth.port}/auth;` });
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': KEY, bridge, width: 320, height: 240, framerate: 15 });
    const ev = record(el);
    let rejected: unknown;
    await el.start().catch((e: unknown) => (rejected = e));
    assert(rejected instanceof Error, 'start() should reject');
    assert(!String((rejected as Error).message).includes(KEY), 'key in the rejection');
    await sleep(1500); // no retries may follow
    const fatal = ev.errors.filter((e) => e.fatal);
    assert(fatal.length === 1 && fatal[0]!.code === 'PUBLISH_REFUSED', `errors ${JSON.stringify(ev.errors)}`);
    assert(ev.errors.length === 1, `a retry happened: ${JSON.stringify(ev.errors)}`);
    assert(ev.states.at(-1) === 'error' && !ev.states.includes('reconnecting'), `states ${ev.states.join()}`);
    noKey(ev.errors);
    el.remove();
  });

  it('a one-letter stream key: the refusal reads as written, and its error event stays on the element', async () => {
    const auth = await peer<{ id: string; port: number }>('peers-http-status', { status: 403 });
    peers.add(auth.id);
    const server = await peers.server('nginx', { applicationExtra: `on_publish http://127.0.0.1:${auth.port}/auth;` });
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 's', bridge, width: 320, height: 240, framerate: 15 });
    const ev = record(el);
    const reachedWindow: string[] = [];
    const onWindowError = (e: Event) => reachedWindow.push(e.type);
    window.addEventListener('error', onWindowError);
    try {
      await el.start().catch(() => undefined);
      await sleep(500);
    } finally {
      window.removeEventListener('error', onWindowError);
      el.remove();
    }
    const message = ev.errors[0]?.message ?? '';
    console.log(`refusal with key "s": ${message}`);
    assert(ev.errors[0]?.code === 'PUBLISH_REFUSED', `errors ${JSON.stringify(ev.errors)}`);
    assert(!/<stream key>[a-z]|[a-z]<stream key>/.test(message), `the key was cut out of words: ${message}`);
    assert(message.includes('server'), `unreadable: ${message}`);
    assert(reachedWindow.length === 0, `${reachedWindow.length} error event(s) reached window`);
  });

  it('a bridge that refuses the target (not on its allowlist): a fatal BRIDGE_UNAVAILABLE at once, no retries', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port + 1); // allows another port only
    const el = makePublisher({ url: server.url, 'stream-key': KEY, bridge, width: 320, height: 240, framerate: 15 });
    const ev = record(el);
    const t0 = performance.now();
    let rejected: unknown;
    await el.start().catch((e: unknown) => (rejected = e));
    const ms = performance.now() - t0;
    await sleep(1500); // no retries may follow
    console.log(`bridge refusal: start() rejected after ${Math.round(ms)} ms: ${String((rejected as Error | undefined)?.message)}`);
    assert(rejected instanceof Error, 'start() should reject');
    assert(ev.errors.length === 1 && ev.errors[0]!.code === 'BRIDGE_UNAVAILABLE' && ev.errors[0]!.fatal, `errors ${JSON.stringify(ev.errors)}`);
    assert(!ev.states.includes('reconnecting') && ev.states.at(-1) === 'error', `states ${ev.states.join()}`);
    el.remove();
  });

  it('a second publisher on the same stream: NetStream.Publish.BadName, fatal', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    const first = makePublisher({ url: server.url, 'stream-key': KEY, bridge, width: 320, height: 240, framerate: 15 });
    const firstEv = record(first);
    await first.start();
    const second = makePublisher({ url: server.url, 'stream-key': KEY, bridge, width: 320, height: 240, framerate: 15 });
    const ev = record(second);
    await second.start().catch(() => {});
    await sleep(1000);
    const fatal = ev.errors.filter((e) => e.fatal);
    assert(fatal.length === 1 && fatal[0]!.code === 'PUBLISH_REFUSED', `errors ${JSON.stringify(ev.errors)}`);
    assert(fatal[0]!.serverCode === 'NetStream.Publish.BadName' && fatal[0]!.status === fatal[0]!.serverCode, `serverCode ${fatal[0]!.serverCode}, status ${fatal[0]!.status}`);
    assert(ev.statuses.includes('NetStream.Publish.BadName'), `statuses ${ev.statuses.join()}`);
    noKey(ev.errors);
    // The first one is unaffected.
    assert(first.stats.state === 'publishing' && firstEv.errors.length === 0, `first: ${first.stats.state} ${JSON.stringify(firstEv.errors)}`);
    first.stop();
    first.remove();
    second.remove();
  });

  it('node-media-server: Publish.Start then a closed socket (its refusal, here for a taken stream) is a fatal PUBLISH_REFUSED', async () => {
    const server = await peers.server('nms');
    const bridge = await peers.bridge(server.port);
    const first = makePublisher({ url: server.url, 'stream-key': KEY, bridge, width: 320, height: 240, framerate: 15 });
    record(first);
    await first.start();
    const second = makePublisher({ url: server.url, 'stream-key': KEY, bridge, width: 320, height: 240, framerate: 15 });
    const ev = record(second);
    // It may resolve (Publish.Start came) before the close arrives; the error follows.
    await second.start().catch(() => {});
    await sleep(2000);
    const fatal = ev.errors.filter((e) => e.fatal);
    assert(fatal.length === 1 && fatal[0]!.code === 'PUBLISH_REFUSED', `errors ${JSON.stringify(ev.errors)}`);
    assert(ev.errors.length === 1 && !ev.states.includes('reconnecting'), `retried: ${ev.states.join()}`);
    noKey(ev.errors);
    assert(first.stats.state === 'publishing', `first: ${first.stats.state}`);
    first.stop();
    first.remove();
    second.remove();
  });
});
