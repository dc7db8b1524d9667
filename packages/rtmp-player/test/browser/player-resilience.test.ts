/**
 * <rtmp-player> resilience against real peers: a server restart (nginx-rtmp
 * stopped and started again on the same port: the player reconnects), and
 * an unpublish followed by a republish at another resolution (the player
 * waits without reconnecting, then reconfigures the decoder).
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.ts';
import { assert, checkTestsrc2Colours, EventLog, guardEachTest, makePlayer, Peers, waitFor, waitForState } from './player-harness.ts';

describe('<rtmp-player> resilience', () => {
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('nginx-rtmp restarts on the same port: reconnecting, then playing again', async () => {
    let server = await peers.server('nginx');
    const port = server.port;
    const bridge = await peers.bridge([`127.0.0.1:${port}`]);
    let pub = await peers.publish(`${server.url}/restart`, { gop: 15 });
    const el = makePlayer(`${server.url}/restart`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);

    await peers.stop(server.id);
    await peers.stop(pub);
    await waitForState(el, 'reconnecting', 15_000);
    // Stay down a while: the player keeps retrying (backoff capped at 2 s).
    await new Promise((r) => setTimeout(r, 3000));
    assert(el.stats.state === 'reconnecting', `state ${el.stats.state} while the server is down`);

    server = await peers.server('nginx', port);
    const back = performance.now();
    pub = await peers.publish(`${server.url}/restart`, { gop: 15 });
    await waitForState(el, 'playing', 15_000);
    const ms = performance.now() - back;
    console.log(`server restart: playing again ${Math.round(ms)} ms after nginx came back (publisher restarted at once); reconnects ${el.stats.reconnects}`);
    assert(el.stats.reconnects === 1, `reconnects ${el.stats.reconnects}`);
    assert(log.errors.some((e) => e.code === 'CONNECTION_LOST'), JSON.stringify(log.errors));
    assert(log.errors.every((e) => !e.fatal), JSON.stringify(log.errors));
    assert(log.states.includes('reconnecting'), log.states.join(' → '));
    await checkTestsrc2Colours(await el.snapshot());
    await peers.stop(pub);
  });

  it('the bridge restarts on the same port: reconnecting, then playing again', async () => {
    const server = await peers.server('nginx');
    let bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    const port = Number(new URL(bridge.url).port);
    const pub = await peers.publish(`${server.url}/bridge-restart`, { gop: 15 });
    const el = makePlayer(`${server.url}/bridge-restart`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await peers.stop(bridge.id);
    await waitForState(el, 'reconnecting', 10_000);
    await new Promise((r) => setTimeout(r, 2000));
    bridge = await peers.bridge([`127.0.0.1:${server.port}`], port);
    const back = performance.now();
    await waitForState(el, 'playing', 15_000);
    console.log(`bridge restart: playing again ${Math.round(performance.now() - back)} ms after the bridge came back`);
    assert(el.stats.reconnects === 1, `reconnects ${el.stats.reconnects}`);
    assert(log.errors.every((e) => !e.fatal), JSON.stringify(log.errors));
    await peers.stop(pub);
  });

  it('unpublish, then republish at another resolution (publish_notify on): waits (no reconnect), then plays the new size', async () => {
    const server = await peers.server('nginx', undefined, 'publish_notify on;');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    let pub = await peers.publish(`${server.url}/again`, { width: 640, height: 360, gop: 15 });
    const el = makePlayer(`${server.url}/again`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await waitFor(() => el.stats.width === 640, 5000, 'width 640');

    await peers.stop(pub);
    await waitFor(() => log.statuses.includes('NetStream.Play.UnpublishNotify'), 10_000, 'UnpublishNotify');
    await waitForState(el, 'buffering', 5000);

    pub = await peers.publish(`${server.url}/again`, { width: 320, height: 240, gop: 15 });
    await waitFor(() => log.statuses.includes('NetStream.Play.PublishNotify'), 15_000, 'PublishNotify');
    await waitForState(el, 'playing', 15_000);
    await waitFor(() => el.stats.width === 320 && el.stats.height === 240, 5000, `320x240 (now ${el.stats.width}x${el.stats.height})`);
    const size = await checkTestsrc2Colours(await el.snapshot());
    assert(size.width === 320 && size.height === 240, `snapshot ${size.width}x${size.height}`);
    assert(el.stats.reconnects === 0, `reconnects ${el.stats.reconnects}`);
    assert(!log.states.includes('reconnecting'), log.states.join(' → '));
    assert(log.errors.length === 0, JSON.stringify(log.errors));
    await peers.stop(pub);
  });

  it('unpublish and republish without publish_notify (StreamEOF, then StreamBegin): the same, from the user control events', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    let pub = await peers.publish(`${server.url}/eof`, { gop: 15 });
    const el = makePlayer(`${server.url}/eof`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await peers.stop(pub);
    await waitForState(el, 'buffering', 10_000);
    pub = await peers.publish(`${server.url}/eof`, { gop: 15 });
    await waitForState(el, 'playing', 15_000);
    assert(el.stats.reconnects === 0 && !log.states.includes('reconnecting'), log.states.join(' → '));
    assert(log.errors.length === 0, JSON.stringify(log.errors));
    await peers.stop(pub);
  });
});

describe('<rtmp-player> unpublish on node-media-server', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('unpublish then republish: plays again', async () => {
    const server = await peers.server('nms');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    let pub = await peers.publish(`${server.url}/again`, { gop: 15 });
    const el = makePlayer(`${server.url}/again`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await peers.stop(pub);
    await waitFor(() => el.stats.state !== 'playing', 10_000, 'leaving playing');
    pub = await peers.publish(`${server.url}/again`, { width: 320, height: 240, gop: 15 });
    await waitForState(el, 'playing', 20_000);
    await waitFor(() => el.stats.width === 320, 5000, `320 wide (now ${el.stats.width})`);
    console.log(`node-media-server unpublish/republish: statuses ${log.statuses.join(', ')}; states ${log.states.join(' → ')}; errors ${JSON.stringify(log.errors)}`);
    assert(log.errors.every((e) => !e.fatal), JSON.stringify(log.errors));
    for (const b of document.querySelectorAll('.player-box')) b.remove();
    await peers.stop(pub);
  });
});

describe('<rtmp-player> stall', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('10 s without bytes while playing is a stall: STALLED (not fatal), reconnecting, then playing', async () => {
    const server = await peers.server('nginx');
    const proxy = (await executeServerCommand('peers-freeze-proxy', { port: server.port })) as { id: string; port: number };
    const bridge = await peers.bridge([`127.0.0.1:${proxy.port}`]);
    await peers.publish(`${server.url}/stall`, { gop: 15 });
    const el = makePlayer(`rtmp://127.0.0.1:${proxy.port}/live/stall`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await executeServerCommand('peers-freeze-set', { id: proxy.id, frozen: true });
    const frozenAt = performance.now();
    await waitForState(el, 'reconnecting', 20_000);
    const after = performance.now() - frozenAt;
    assert(after > 9000, `reconnecting after only ${Math.round(after)} ms`);
    const e = log.errors.find((x) => x.code === 'STALLED');
    assert(e !== undefined && !e.fatal, JSON.stringify(log.errors));
    await executeServerCommand('peers-freeze-set', { id: proxy.id, frozen: false });
    await waitForState(el, 'playing', 15_000);
    assert(el.stats.reconnects === 1, `reconnects ${el.stats.reconnects}`);
    for (const b of document.querySelectorAll('.player-box')) b.remove();
    await executeServerCommand('peers-stop', { id: proxy.id });
  });
});
