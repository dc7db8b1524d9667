import { describe, expect, it } from 'vitest';
import { RtmpErrorCode } from '../../src/errors.ts';
import { resolveReconnectUrl } from '../../src/url/reconnect-url.ts';
import { parseRtmpUrl } from '../../src/url/rtmp-url.ts';
import { codeOf } from '../error-code.ts';

const current = parseRtmpUrl('rtmp://a.example:1935/live/key?token=s3cret');

describe('resolveReconnectUrl', () => {
  it('absent, null or empty: the current address, stream name and all', () => {
    for (const ref of [undefined, null, '']) expect(resolveReconnectUrl(ref, current)).toBe(current);
  });

  // The spec's four examples (E-RTMP v2, "Reconnect Request"), then RFC 3986 relative forms.
  const cases: [string, string][] = [
    ['rtmp://foo.mydomain.com:1935/realtimeapp', 'rtmp://foo.mydomain.com:1935/realtimeapp'],
    ['rtmp://127.0.0.1/realtimeapp', 'rtmp://127.0.0.1/realtimeapp'],
    ['//192.0.2.0/realtimeapp', 'rtmp://192.0.2.0/realtimeapp'],
    ['/realtimeapp', 'rtmp://a.example:1935/realtimeapp'],
    ['live2', 'rtmp://a.example:1935/live2'],
    ['./live2', 'rtmp://a.example:1935/live2'],
    ['/app/inst', 'rtmp://a.example:1935/app/inst'],
    ['/a/b/../c', 'rtmp://a.example:1935/a/c'],
    ['?region=eu', 'rtmp://a.example:1935/live?region=eu'],
    ['  RTMPS://b.example/live  ', 'rtmps://b.example/live'],
    ['rtmp://[2001:db8::1]:1936/live', 'rtmp://[2001:db8::1]:1936/live'],
    ['/live#fragment', 'rtmp://a.example:1935/live'],
  ];
  for (const [ref, tcUrl] of cases) {
    it(`${JSON.stringify(ref)} → ${tcUrl}, same stream name`, () => {
      const t = resolveReconnectUrl(ref, current);
      expect(t.tcUrl).toBe(tcUrl);
      expect(t.streamName).toBe('key?token=s3cret');
    });
  }

  it('resolves relative paths against an application instance', () => {
    const base = parseRtmpUrl('rtmp://h/app/inst/stream');
    expect(resolveReconnectUrl('other', base).tcUrl).toBe('rtmp://h/app/other');
    expect(resolveReconnectUrl('../x', base).tcUrl).toBe('rtmp://h/x');
  });

  it('keeps rtmps for network-path and path references, and refuses to leave TLS', () => {
    const secure = parseRtmpUrl('rtmps://s.example/live/key');
    const t = resolveReconnectUrl('//t.example/live', secure);
    expect([t.tcUrl, t.port, t.secure]).toEqual(['rtmps://t.example/live', 443, true]);
    expect(codeOf(() => resolveReconnectUrl('rtmp://t.example/live', secure))).toBe(RtmpErrorCode.UrlInvalid);
  });

  it('refuses what is not an rtmp(s) URL, with a message free of the stream name', () => {
    for (const ref of ['http://b.example/live', 'rtmp:nohost', 'rtmp://b example/live', 42, {}, '//']) {
      expect(codeOf(() => resolveReconnectUrl(ref, current))).toBe(RtmpErrorCode.UrlInvalid);
      try {
        resolveReconnectUrl(ref, current);
      } catch (e) {
        expect(String((e as Error).message)).not.toContain('s3cret');
      }
    }
  });
});
