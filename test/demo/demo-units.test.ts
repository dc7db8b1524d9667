/**
 * The demo's pure parts: `npm start`'s options, the ingest presets'
 * allowlist targets and the embed snippets' escaping.
 */
import { describe, expect, it } from 'vitest';
import { parseStartOptions, StartUsageError } from '../../scripts/start-options.ts';
import { escapeAttribute, htmlPlayerSnippet, htmlPublisherSnippet } from '../../web/src/embed-snippet.ts';
import { allowlistCovers, ingestTarget, PLATFORM_PRESETS } from '../../web/src/ingest-presets.ts';

describe('npm start options', () => {
  it('defaults to loopback, automatic ports, nothing extra allowed', () => {
    expect(parseStartOptions([])).toEqual({
      host: '127.0.0.1',
      rtmpPort: undefined,
      httpFlvPort: undefined,
      bridgePort: undefined,
      webPort: undefined,
      allow: [],
      origins: [],
      verbose: false,
      noWatch: false,
      help: false,
    });
  });

  it('takes repeated --allow and --origin, and ports', () => {
    const o = parseStartOptions(['--allow', 'a.rtmps.youtube.com:443', '--allow', '[::1]:1935', '--allow', '*.contribute.live-video.net:443',
      '--origin', 'http://192.168.1.5:5173', '--rtmp-port', '1936', '--web-port=5000', '--bridge-port', '9000', '--verbose']);
    expect(o.allow).toEqual(['a.rtmps.youtube.com:443', '[::1]:1935', '*.contribute.live-video.net:443']);
    expect(o.origins).toEqual(['http://192.168.1.5:5173']);
    expect([o.rtmpPort, o.webPort, o.bridgePort, o.verbose]).toEqual([1936, 5000, 9000, true]);
  });

  it('refuses bad ports, bad targets and unknown options, naming the option', () => {
    expect(() => parseStartOptions(['--rtmp-port', '0'])).toThrow(/--rtmp-port/);
    expect(() => parseStartOptions(['--web-port', '70000'])).toThrow(/--web-port/);
    expect(() => parseStartOptions(['--bridge-port', '12ab'])).toThrow(/--bridge-port/);
    expect(() => parseStartOptions(['--allow', 'youtube.com'])).toThrow(/--allow/);
    expect(() => parseStartOptions(['--allow', 'rtmp://a.rtmp.youtube.com/live2'])).toThrow(/--allow/);
    expect(() => parseStartOptions(['--frobnicate'])).toThrow(StartUsageError);
    expect(() => parseStartOptions(['stray'])).toThrow(StartUsageError);
  });
});

describe('ingest presets', () => {
  it('gives the host:port a bridge must allow, with the schemes default ports', () => {
    expect(ingestTarget('rtmp://a.rtmp.youtube.com/live2')).toBe('a.rtmp.youtube.com:1935');
    expect(ingestTarget('rtmps://a.rtmps.youtube.com:443/live2')).toBe('a.rtmps.youtube.com:443');
    expect(ingestTarget('rtmps://ingest.global-contribute.live-video.net/app')).toBe('ingest.global-contribute.live-video.net:443');
    expect(ingestTarget('RTMP://Example.COM:1936/live')).toBe('example.com:1936');
    expect(ingestTarget('rtmp://[::1]:1935/live')).toBe('[::1]:1935');
    expect(ingestTarget('http://example.com/live')).toBeUndefined();
    expect(ingestTarget('')).toBeUndefined();
  });

  it('matches allowlist entries like the bridge: exact, or a wildcard for one label', () => {
    const allow = ['127.0.0.1:1935', '*.contribute.live-video.net:443', 'A.RTMPS.YOUTUBE.COM:443'];
    expect(allowlistCovers(allow, '127.0.0.1:1935')).toBe(true);
    expect(allowlistCovers(allow, 'a.rtmps.youtube.com:443')).toBe(true);
    expect(allowlistCovers(allow, 'iad05.contribute.live-video.net:443')).toBe(true);
    expect(allowlistCovers(allow, 'a.b.contribute.live-video.net:443')).toBe(false);
    expect(allowlistCovers(allow, 'contribute.live-video.net:443')).toBe(false);
    expect(allowlistCovers(allow, 'iad05.contribute.live-video.net:1935')).toBe(false);
    expect(allowlistCovers(allow, '127.0.0.1:1936')).toBe(false);
  });

  it('every platform preset is an rtmp(s) URL (or the empty custom one)', () => {
    for (const p of PLATFORM_PRESETS) {
      if (p.id === 'custom') expect(p.url).toBe('');
      else expect(ingestTarget(p.url), p.id).toMatch(/^[a-z0-9.-]+:\d+$/);
    }
  });
});

describe('embed snippets', () => {
  it('escape attribute values', () => {
    expect(escapeAttribute('a"b<c>&d')).toBe('a&quot;b&lt;c&gt;&amp;d');
    const html = htmlPlayerSnippet({ src: 'rtmp://h/live/"x"', bridge: 'ws://b/', scriptUrl: '/rtmp.js' });
    expect(html).toContain('src="rtmp://h/live/&quot;x&quot;"');
    expect(html).toContain('<script type="module" src="/rtmp.js"></script>');
    expect(html).toMatch(/autoplay muted controls/);
  });

  it('never carry a stream key', () => {
    const html = htmlPublisherSnippet({ src: 'rtmp://h/live/s', bridge: 'ws://b/', scriptUrl: '/rtmp.js' }, 'rtmps://a.rtmps.youtube.com:443/live2');
    expect(html).not.toMatch(/stream-key="/);
    expect(html).toContain('url="rtmps://a.rtmps.youtube.com:443/live2"');
  });
});
