/**
 * The `controls` UI: preview, source pickers, settings, a password field for
 * the key, Go live / Stop and a live indicator.
 */
import { assert, makePublisher, Peers, record, waitFor } from './publisher-helpers.ts';

describe('<rtmp-publisher controls>', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('goes live from the Go live button with a key typed into a password field, which stays out of the DOM and URL', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, bridge, controls: '', width: 320, height: 240, framerate: 15 });
    const ev = record(el);
    await el.updateComplete;
    const root = el.shadowRoot!;
    const key = root.querySelector<HTMLInputElement>('input[type="password"]');
    assert(key !== null, 'no password field for the stream key');
    key.value = 'typed-secret';
    key.dispatchEvent(new Event('change'));
    assert(el.streamKey === 'typed-secret', 'the field did not set streamKey');
    assert(!el.hasAttribute('stream-key'), 'the key was reflected into an attribute');
    assert(root.querySelector('video[part="preview"]') !== null, 'no preview');
    assert(root.querySelectorAll('select').length === 2, 'camera and microphone pickers');
    assert([...root.querySelectorAll('button')].some((b) => b.textContent?.includes('Screen')), 'no screen picker');

    const go = root.querySelector<HTMLButtonElement>('button[part="go-live"]')!;
    assert(go.textContent?.trim() === 'Go live', `button says ${go.textContent}`);
    go.click();
    await waitFor(() => el.stats.state === 'publishing', 20_000, 'publishing');
    await el.updateComplete;
    const live = root.querySelector('[part="live-indicator"]');
    assert(live !== null && /LIVE \d\d:\d\d · \d+ kbps/.test(live.textContent ?? ''), `indicator: ${live?.textContent}`);
    assert((root.querySelector('video[part="preview"]') as HTMLVideoElement).srcObject !== null, 'the preview shows nothing');
    assert(!location.href.includes('typed-secret'), 'the key is in the page URL');

    root.querySelector<HTMLButtonElement>('button[part="go-live"]')!.click();
    await waitFor(() => el.stats.state === 'stopped', 5000, 'stopped');
    assert(ev.errors.length === 0, `errors ${JSON.stringify(ev.errors)}`);
    el.remove();
  });
});
