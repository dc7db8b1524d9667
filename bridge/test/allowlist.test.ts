import { describe, expect, it, vi } from 'vitest';
import {
  Allowlist,
  authorizeTarget,
  formatAllowEntry,
  parseAllowEntry,
  parseAllowFile,
  parseTargetSpec,
  type Lookup,
} from '../src/allowlist.ts';

describe('allow entries', () => {
  it.each([
    ['127.0.0.1:1935', '127.0.0.1:1935'],
    ['127.1:1935', '127.0.0.1:1935'], // operator input is canonicalised
    ['[::1]:1935', '[::1]:1935'],
    ['Live.Example.com:1935', 'live.example.com:1935'],
    ['*.contribute.live-video.net:443', '*.contribute.live-video.net:443'],
  ])('%s parses to %s', (text, canonical) => {
    expect(formatAllowEntry(parseAllowEntry(text))).toBe(canonical);
  });

  it.each(['127.0.0.1', '::1:1935', 'host:0', 'host:65536', 'host:01935', 'host:-1', '*.com:443', '*:443', 'a.*.b.com:1', 'bad_host:1', ':1935'])(
    '%j is refused with a TypeError',
    (text) => {
      expect(() => parseAllowEntry(text)).toThrow(TypeError);
    },
  );

  it('reads a file with comments and blank lines, naming a bad line', () => {
    const entries = parseAllowFile('# ingest\nlive.example.com:1935\n\n  [::1]:1935  # local\r\n');
    expect(entries.map(formatAllowEntry)).toEqual(['live.example.com:1935', '[::1]:1935']);
    expect(() => parseAllowFile('a.com:1\nnope\n')).toThrow(/line 2/);
  });

  it('a wildcard matches exactly one more label, on the same port', () => {
    const list = new Allowlist(['*.contribute.live-video.net:443']);
    expect(list.matchesName('iad05.contribute.live-video.net', 443)).toBe(true);
    expect(list.matchesName('contribute.live-video.net', 443)).toBe(false);
    expect(list.matchesName('a.b.contribute.live-video.net', 443)).toBe(false);
    expect(list.matchesName('evilcontribute.live-video.net', 443)).toBe(false);
    expect(list.matchesName('iad05.contribute.live-video.net', 1935)).toBe(false);
  });
});

describe('authorizeTarget', () => {
  const PUBLIC_A = '203.0.114.7'; // outside every special range; never connected to (no connect here)
  const list = new Allowlist(['live.example.com:1935', '127.0.0.1:1935', '[::1]:1935', 'localhost:1935', '*.ingest.example.net:443']);
  const answers =
    (...addresses: string[]): Lookup =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const decide = (host: string, port: string, lookup: Lookup = answers(PUBLIC_A)) => {
    const spec = parseTargetSpec(host, port);
    if (spec === undefined) return Promise.resolve({ ok: false as const, reason: 'bad-target' });
    return authorizeTarget(spec, list, lookup);
  };

  it('allows a listed name that resolves to public addresses, and keeps them for the connect', async () => {
    const lookup = vi.fn(answers(PUBLIC_A, '2606:4700::1'));
    const d = await decide('LIVE.example.com', '1935', lookup);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(d).toMatchObject({ ok: true, target: { label: 'live.example.com:1935', servername: 'live.example.com', port: 1935 } });
    if (d.ok) expect(d.target.addresses.map((a) => a.text)).toEqual([PUBLIC_A, '2606:4700::1']);
  });

  it('allows a listed literal in any range, without DNS', async () => {
    const lookup = vi.fn(answers());
    expect(await decide('127.0.0.1', '1935', lookup)).toMatchObject({ ok: true, target: { servername: undefined } });
    expect(await decide('[::1]', '1935', lookup)).toMatchObject({ ok: true });
    expect(await decide('::1', '1935', lookup)).toMatchObject({ ok: true });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('a name resolving to a loopback address needs a literal entry for it', async () => {
    expect(await decide('localhost', '1935', answers('127.0.0.1', '::1'))).toMatchObject({ ok: true });
    expect(await decide('localhost', '1935', answers('127.0.0.2'))).toEqual({ ok: false, reason: 'address-forbidden' });
  });

  it.each([
    ['wrong host', 'other.example.com', '1935', answers(PUBLIC_A), 'not-allowed'],
    ['wrong port', 'live.example.com', '1936', answers(PUBLIC_A), 'not-allowed'],
    ['unlisted public literal', '8.8.8.8', '1935', answers(), 'not-allowed'],
    ['127.1', '127.1', '1935', answers(), 'non-canonical-ip'],
    ['0x7f.0.0.1', '0x7f.0.0.1', '1935', answers(), 'non-canonical-ip'],
    ['017700000001', '017700000001', '1935', answers(), 'non-canonical-ip'],
    ['[::ffff:127.0.0.1]', '[::ffff:127.0.0.1]', '1935', answers(), 'non-canonical-ip'],
    ['[::ffff:7f00:1]', '[::ffff:7f00:1]', '1935', answers(), 'not-allowed'],
    ['[0::1]', '[0::1]', '1935', answers(), 'non-canonical-ip'],
    ['private answer', 'live.example.com', '1935', answers('10.0.0.5'), 'address-forbidden'],
    ['public then private answers', 'live.example.com', '1935', answers(PUBLIC_A, '192.168.1.1'), 'address-forbidden'],
    ['mapped answer', 'live.example.com', '1935', answers('::ffff:10.0.0.1'), 'address-forbidden'],
    ['CGNAT answer', 'live.example.com', '1935', answers('100.64.1.1'), 'address-forbidden'],
    ['link-local answer', 'live.example.com', '1935', answers('169.254.169.254'), 'address-forbidden'],
    ['unspecified answer', 'live.example.com', '1935', answers('0.0.0.0'), 'address-forbidden'],
    ['no answers', 'live.example.com', '1935', answers(), 'dns-failed'],
    ['garbage answer', 'live.example.com', '1935', answers('not-an-ip'), 'dns-failed'],
    ['resolver error', 'live.example.com', '1935', () => Promise.reject(new Error('ENOTFOUND')), 'dns-failed'],
  ])('refuses %s', async (_name, host, port, lookup, reason) => {
    expect(await decide(host, port, lookup)).toEqual({ ok: false, reason });
  });

  it('resolves once: a rebinding resolver cannot change the checked answer', async () => {
    let calls = 0;
    const rebinding: Lookup = async () => [{ address: calls++ === 0 ? PUBLIC_A : '127.0.0.1', family: 4 }];
    const d = await decide('a.ingest.example.net', '443', rebinding);
    expect(calls).toBe(1);
    expect(d.ok && d.target.addresses.map((a) => a.text)).toEqual([PUBLIC_A]);
  });
});
