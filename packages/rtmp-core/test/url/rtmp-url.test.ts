import { describe, expect, it } from 'vitest';
import { isRtmpError, RtmpErrorCode } from '../../src/errors.ts';
import {
  formatRtmpUrlForLog,
  parseRtmpUrl,
  RTMP_DEFAULT_PORT,
  RTMPS_DEFAULT_PORT,
  type RtmpUrl,
} from '../../src/url/rtmp-url.ts';

type Row = [url: string, want: Omit<RtmpUrl, 'secure'>];

// Real-world URLs (keys made up) and what they must parse to.
const table: Row[] = [
  [
    'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop-qrst',
    {
      protocol: 'rtmp',
      host: 'a.rtmp.youtube.com',
      port: 1935,
      app: 'live2',
      streamName: 'abcd-efgh-ijkl-mnop-qrst',
      tcUrl: 'rtmp://a.rtmp.youtube.com/live2',
    },
  ],
  [
    'rtmps://a.rtmps.youtube.com:443/live2/abcd-efgh-ijkl-mnop-qrst',
    {
      protocol: 'rtmps',
      host: 'a.rtmps.youtube.com',
      port: 443,
      app: 'live2',
      streamName: 'abcd-efgh-ijkl-mnop-qrst',
      tcUrl: 'rtmps://a.rtmps.youtube.com:443/live2',
    },
  ],
  [
    'rtmps://live-api-s.facebook.com:443/rtmp/FB-1234567890-0-AbCdEf?s_bl=1&s_psm=1&s_sc=1234&s_sw=0&s_vt=api-s&a=AbXyZ',
    {
      protocol: 'rtmps',
      host: 'live-api-s.facebook.com',
      port: 443,
      app: 'rtmp',
      streamName: 'FB-1234567890-0-AbCdEf?s_bl=1&s_psm=1&s_sc=1234&s_sw=0&s_vt=api-s&a=AbXyZ',
      tcUrl: 'rtmps://live-api-s.facebook.com:443/rtmp',
    },
  ],
  [
    // Twitch (IVS) over TLS, no port: the rtmps default applies.
    'rtmps://ingest.global-contribute.live-video.net/app/live_123456789_AbCdEfGhIj',
    {
      protocol: 'rtmps',
      host: 'ingest.global-contribute.live-video.net',
      port: 443,
      app: 'app',
      streamName: 'live_123456789_AbCdEfGhIj',
      tcUrl: 'rtmps://ingest.global-contribute.live-video.net/app',
    },
  ],
  [
    'rtmp://live.twitch.tv/app/live_123456789_AbCdEfGhIj',
    {
      protocol: 'rtmp',
      host: 'live.twitch.tv',
      port: 1935,
      app: 'app',
      streamName: 'live_123456789_AbCdEfGhIj',
      tcUrl: 'rtmp://live.twitch.tv/app',
    },
  ],
  [
    // The query passes through, untouched, as part of the stream name.
    'rtmp://127.0.0.1:1935/live/stream?token=abc',
    {
      protocol: 'rtmp',
      host: '127.0.0.1',
      port: 1935,
      app: 'live',
      streamName: 'stream?token=abc',
      tcUrl: 'rtmp://127.0.0.1:1935/live',
    },
  ],
  [
    // Application instance: the first two elements are the app.
    'rtmp://host/app/inst/stream',
    { protocol: 'rtmp', host: 'host', port: 1935, app: 'app/inst', streamName: 'stream', tcUrl: 'rtmp://host/app/inst' },
  ],
  [
    'rtmp://host/app/inst/dir/stream?x=1',
    { protocol: 'rtmp', host: 'host', port: 1935, app: 'app/inst', streamName: 'dir/stream?x=1', tcUrl: 'rtmp://host/app/inst' },
  ],
  [
    // A ":" in the second element starts a playpath (FFmpeg's rule).
    'rtmp://fms.example.com/vod/mp4:folder/file.mp4',
    {
      protocol: 'rtmp',
      host: 'fms.example.com',
      port: 1935,
      app: 'vod',
      streamName: 'mp4:folder/file.mp4',
      tcUrl: 'rtmp://fms.example.com/vod',
    },
  ],
  [
    // A "/" inside the query is not a path separator.
    'rtmp://host/live/key?next=/a/b',
    { protocol: 'rtmp', host: 'host', port: 1935, app: 'live', streamName: 'key?next=/a/b', tcUrl: 'rtmp://host/live' },
  ],
  [
    'rtmp://live.restream.io/live/re_1234567_abcdef',
    {
      protocol: 'rtmp',
      host: 'live.restream.io',
      port: 1935,
      app: 'live',
      streamName: 're_1234567_abcdef',
      tcUrl: 'rtmp://live.restream.io/live',
    },
  ],
  [
    // App only: no stream name, and a query stays on the app (and tcUrl).
    'rtmp://host/live',
    { protocol: 'rtmp', host: 'host', port: 1935, app: 'live', streamName: '', tcUrl: 'rtmp://host/live' },
  ],
  [
    'rtmp://host/live/',
    { protocol: 'rtmp', host: 'host', port: 1935, app: 'live', streamName: '', tcUrl: 'rtmp://host/live' },
  ],
  [
    'rtmp://host:1936/live?token=abc',
    { protocol: 'rtmp', host: 'host', port: 1936, app: 'live?token=abc', streamName: '', tcUrl: 'rtmp://host:1936/live?token=abc' },
  ],
  [
    'rtmp://[::1]:1936/live/s',
    { protocol: 'rtmp', host: '::1', port: 1936, app: 'live', streamName: 's', tcUrl: 'rtmp://[::1]:1936/live' },
  ],
  [
    'rtmps://[2001:db8::7]/live/s',
    { protocol: 'rtmps', host: '2001:db8::7', port: 443, app: 'live', streamName: 's', tcUrl: 'rtmps://[2001:db8::7]/live' },
  ],
  [
    // Scheme case does not matter; host case is kept, as typed.
    '  RTMP://Media.Example.COM/Live/Stream  ',
    { protocol: 'rtmp', host: 'Media.Example.COM', port: 1935, app: 'Live', streamName: 'Stream', tcUrl: 'rtmp://Media.Example.COM/Live' },
  ],
  [
    // Nothing is percent-decoded.
    'rtmp://host/live/a%20b',
    { protocol: 'rtmp', host: 'host', port: 1935, app: 'live', streamName: 'a%20b', tcUrl: 'rtmp://host/live' },
  ],
];

describe('parseRtmpUrl: real-world URLs', () => {
  it.each(table)('%s', (url, want) => {
    const got = parseRtmpUrl(url);
    expect(got).toEqual({ ...want, secure: want.protocol === 'rtmps' });
  });

  it('default ports', () => {
    expect(RTMP_DEFAULT_PORT).toBe(1935);
    expect(RTMPS_DEFAULT_PORT).toBe(443);
  });
});

describe('parseRtmpUrl with a separate stream name', () => {
  it.each([
    ['rtmps://live-api-s.facebook.com:443/rtmp/', 'FB-1-0-Ab?s_bl=1', 'rtmp', 'rtmps://live-api-s.facebook.com:443/rtmp'],
    ['rtmp://a.rtmp.youtube.com/live2', 'abcd-efgh', 'live2', 'rtmp://a.rtmp.youtube.com/live2'],
    ['rtmp://host/live/inst', 'key', 'live/inst', 'rtmp://host/live/inst'],
    ['rtmp://host/a/b/c', 'key', 'a/b/c', 'rtmp://host/a/b/c'],
    ['rtmp://host:1936/live?token=t', 'key', 'live?token=t', 'rtmp://host:1936/live?token=t'],
  ])('%s + stream name', (url, streamName, app, tcUrl) => {
    const got = parseRtmpUrl(url, { streamName });
    expect(got.app).toBe(app);
    expect(got.streamName).toBe(streamName);
    expect(got.tcUrl).toBe(tcUrl);
  });

  it('rejects a non-string stream name with a TypeError', () => {
    expect(() => parseRtmpUrl('rtmp://host/live', { streamName: 5 as never })).toThrow(TypeError);
    expect(() => parseRtmpUrl(undefined as never)).toThrow(TypeError);
  });
});

describe('parseRtmpUrl: invalid URLs', () => {
  const SECRET = 'SeCrEtKeY';
  it.each([
    ['http://host/live/' + SECRET, /rtmp:\/\/ or rtmps:\/\/, not http:/],
    ['https://host/live/' + SECRET, /not https:/],
    ['rtmpe://host/live/' + SECRET, /RTMPE/],
    ['rtmpt://host/live/' + SECRET, /RTMPT/],
    ['rtmp:/host/live/' + SECRET, /rtmp:\/\//],
    ['rtmp:///live/' + SECRET, /host is missing/],
    ['rtmp://:1935/live/' + SECRET, /host is missing/],
    ['rtmp://host:0/live/' + SECRET, /port/],
    ['rtmp://host:65536/live/' + SECRET, /port/],
    ['rtmp://host:abc/live/' + SECRET, /port/],
    ['rtmp://host:/live/' + SECRET, /port/],
    ['rtmp://host', /no application/],
    ['rtmp://host/', /no application/],
    ['rtmp://host?' + SECRET, /no application/],
    ['rtmp://host//' + SECRET, /empty path element/],
    ['rtmp://user:' + SECRET + '@host/live/x', /user:password@/],
    ['rtmp://::1/live/' + SECRET, /brackets/],
    ['rtmp://[::1/live/' + SECRET, /closing/],
    ['rtmp://[nothex]/live/' + SECRET, /not an IPv6/],
    ['rtmp://[::1]x/live/' + SECRET, /after the IPv6/],
    ['rtmp://ho$t/live/' + SECRET, /characters/],
    ['rtmp://host/live/' + SECRET + ' live=1', /whitespace/],
    [SECRET, /not a URL/],
    ['', /not a URL/],
  ])('%s', (url, why) => {
    let err: unknown;
    try {
      parseRtmpUrl(url);
    } catch (e) {
      err = e;
    }
    expect(isRtmpError(err, RtmpErrorCode.UrlInvalid)).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(why);
    // The key and any query never reach the message.
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('live=1');
  });
});

describe('formatRtmpUrlForLog', () => {
  it.each([
    ['rtmp://a.rtmp.youtube.com/live2/abcd-efgh', 'rtmp://a.rtmp.youtube.com/live2/<redacted>'],
    [
      'rtmps://live-api-s.facebook.com:443/rtmp/FB-1-0-Ab?s_bl=1&a=Ab',
      'rtmps://live-api-s.facebook.com:443/rtmp/<redacted>',
    ],
    ['rtmp://host/app/inst/stream', 'rtmp://host/app/inst/<redacted>'],
    ['rtmp://host/live', 'rtmp://host/live'],
    ['rtmp://host/live?token=abc', 'rtmp://host/live?<redacted>'],
    ['rtmp://[::1]:1936/live/key', 'rtmp://[::1]:1936/live/<redacted>'],
    ['http://host/live/key', 'http:<redacted>'],
    ['just-a-key', '<redacted>'],
  ])('%s', (url, want) => {
    expect(formatRtmpUrlForLog(url)).toBe(want);
  });

  it('takes a parsed URL, including one with a separate stream name', () => {
    const u = parseRtmpUrl('rtmps://live-api-s.facebook.com:443/rtmp/', { streamName: 'FB-key' });
    expect(formatRtmpUrlForLog(u)).toBe('rtmps://live-api-s.facebook.com:443/rtmp/<redacted>');
    expect(formatRtmpUrlForLog(u)).not.toContain('FB-key');
  });
});
