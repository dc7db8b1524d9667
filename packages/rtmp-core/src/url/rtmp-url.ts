/**
 * Parsing rtmp:// and rtmps:// URLs into what a connection needs: where to
 * connect, the application for `connect`, the stream name for
 * `publish`/`play`, and the tcUrl.
 *
 * ```text
 *   rtmps://live-api-s.facebook.com:443/rtmp/FB-1234-0-AbCd?s_bl=1&a=Ab
 *   \___/   \_____________________/ \_/ \__/ \_____________________/
 *  protocol         host           port  app   streamName (query included)
 *
 *   tcUrl = rtmps://live-api-s.facebook.com:443/rtmp
 * ```
 *
 * How the path splits into app and stream name (FFmpeg's rule, from
 * libavformat/rtmpproto.c `rtmp_open`, which the common ingest URLs rely on):
 *
 * - one element (`/live`): it is the app, and there is no stream name;
 *   a query stays on the app (`/live?token=x` → app `live?token=x`);
 * - two elements (`/live2/KEY`): app, then stream name;
 * - three or more (`/app/inst/stream`): the first two are the app (an
 *   application instance, `app/inst`) and the rest is the stream name,
 *   unless the second element holds a `:` (`/vod/mp4:dir/file.mp4`), in
 *   which case it starts the stream name and the app is the first element.
 *
 * Where this differs from FFmpeg, on purpose: the query is split off before
 * looking for slashes (FFmpeg would treat a `/` inside the query as a path
 * separator); FFmpeg's `slist=` and `/ondemand/` special cases and its
 * `mp4:` playpath rewriting are not applied (they are playback concerns of
 * old Flash Media Server setups). librtmp splits deeper paths differently
 * (it takes up to three elements as the app); for the ingest URLs people
 * paste, with one app element and a key, all three agree.
 *
 * The query belongs to the stream name when there is one: servers read it
 * from the `publish`/`play` name (nginx-rtmp splits `name?args` there), and
 * it often carries the key, so it must stay out of the tcUrl.
 *
 * Nothing is percent-decoded: RTMP sends app and stream name as the strings
 * they are in the URL, as FFmpeg and librtmp do.
 */
import { RtmpError, RtmpErrorCode as Code } from '../errors.ts';

/** The default port of rtmp:// (RTMP over TCP). */
export const RTMP_DEFAULT_PORT = 1935;
/** The default port of rtmps:// (RTMP over TLS), as FFmpeg and ingest services use. */
export const RTMPS_DEFAULT_PORT = 443;

/** A parsed rtmp:// or rtmps:// URL. */
export interface RtmpUrl {
  /** The scheme, lower-cased. */
  protocol: 'rtmp' | 'rtmps';
  /** Host name or IP address, as given; IPv6 without the brackets (ready for a socket). */
  host: string;
  /** TCP port: the one in the URL, else 1935 (rtmp) or 443 (rtmps). */
  port: number;
  /** The application for the `connect` command, e.g. `live` or `app/instance` (with a query, if the URL put one on it). */
  app: string;
  /** The stream name for `publish`/`play`, query included; empty when the URL has none. May be secret. */
  streamName: string;
  /** `protocol://host[:port]/app`, as sent in `connect`; the port only when the URL had one. */
  tcUrl: string;
  /** True for rtmps://. */
  secure: boolean;
}

/** Options for {@link parseRtmpUrl}. */
export interface ParseRtmpUrlOptions {
  /**
   * The stream name (stream key), when it is given apart from the URL, as
   * ingest services do ("server URL" + "stream key"). The whole URL path is
   * then the app.
   */
  streamName?: string;
}

const REDACTED = '<redacted>';

/**
 * Parses an rtmp:// or rtmps:// URL. Throws an {@link RtmpError} with code
 * UrlInvalid if it is not one, with a message that never contains the
 * stream name or the query (they may hold a stream key); a `TypeError` if
 * `url` or `options.streamName` is not a string.
 *
 * tcUrl carries the port only when the URL did. That is what Flash Player
 * did (it sent the URI given to `NetConnection.connect()` as the tcUrl)
 * and what librtmp, and so OBS, send; FFmpeg instead always writes the
 * port (`rtmp://host:1935/app`). Servers do not route on tcUrl's port, so
 * keeping what the user typed is the least surprising choice.
 */
export function parseRtmpUrl(url: string, options: ParseRtmpUrlOptions = {}): RtmpUrl {
  if (typeof url !== 'string') throw new TypeError('parseRtmpUrl: url must be a string');
  const given = options.streamName;
  if (given !== undefined && typeof given !== 'string') {
    throw new TypeError('parseRtmpUrl: options.streamName must be a string');
  }

  const text = url.trim();
  // Whitespace inside is either a paste error or librtmp-style " live=1"
  // options; neither can be sent.
  if (/[\s\u0000-\u001f\u007f]/.test(text)) {
    throw invalid('<url>', 'it contains whitespace or control characters (librtmp-style options are not supported)');
  }
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/)?/.exec(text);
  if (schemeMatch === null) throw invalid('<url>', 'it is not a URL: expected rtmp://host/app/stream');
  const scheme = schemeMatch[1]!.toLowerCase();
  if (scheme === 'rtmpe' || scheme === 'rtmpte') {
    throw invalid(`${scheme}://…`, 'RTMPE (Adobe encrypted RTMP) is not supported; use rtmps://');
  }
  if (scheme === 'rtmpt' || scheme === 'rtmpts') {
    throw invalid(`${scheme}://…`, 'RTMPT (RTMP tunnelled over HTTP) is not supported');
  }
  if (scheme !== 'rtmp' && scheme !== 'rtmps') {
    throw invalid(`${scheme}:…`, `the scheme must be rtmp:// or rtmps://, not ${scheme}:`);
  }
  if (schemeMatch[2] === undefined) throw invalid(`${scheme}:…`, `expected ${scheme}:// followed by a host`);
  const protocol: 'rtmp' | 'rtmps' = scheme;

  const rest = text.slice(schemeMatch[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const pathAndQuery = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const { host, port, portText } = parseAuthority(protocol, authority);
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const origin = `${protocol}://${hostForUrl}${portText === null ? '' : `:${portText}`}`;

  if (pathAndQuery.startsWith('#') || pathAndQuery.startsWith('?')) {
    throw invalid(`${origin}/${REDACTED}`, 'there is no application name after the host');
  }
  const q = pathAndQuery.indexOf('?');
  const query = q < 0 ? '' : pathAndQuery.slice(q);
  const path = (q < 0 ? pathAndQuery : pathAndQuery.slice(0, q)).replace(/^\//, '').replace(/\/+$/, '');
  if (path === '') throw invalid(`${origin}/${REDACTED}`, 'there is no application name after the host');
  const segments = path.split('/');

  let appSegments: string[];
  let streamName: string;
  if (given !== undefined) {
    appSegments = segments;
    streamName = given;
  } else if (segments.length === 1) {
    appSegments = segments;
    streamName = '';
  } else if (segments.length === 2 || segments[1]!.includes(':')) {
    appSegments = segments.slice(0, 1);
    streamName = segments.slice(1).join('/') + query;
  } else {
    appSegments = segments.slice(0, 2);
    streamName = segments.slice(2).join('/') + query;
  }
  if (appSegments.some((s) => s === '')) {
    throw invalid(`${origin}/${REDACTED}`, 'the application name has an empty path element ("//")');
  }
  // The query stays on the app when no stream name took it.
  const appQuery = given !== undefined || segments.length === 1 ? query : '';
  const app = appSegments.join('/') + appQuery;

  return {
    protocol,
    host,
    port,
    app,
    streamName,
    tcUrl: `${origin}/${app}`,
    secure: protocol === 'rtmps',
  };
}

// Splits `host[:port]` / `[v6]:port` and checks both.
function parseAuthority(
  protocol: 'rtmp' | 'rtmps',
  authority: string,
): { host: string; port: number; portText: string | null } {
  const where = `${protocol}://<host>/${REDACTED}`;
  if (authority.includes('@')) {
    // Never echo it: it is a user name and password.
    throw invalid(`${protocol}://<user info>@…/${REDACTED}`, 'user:password@ in the URL is not supported');
  }
  let host: string;
  let portPart: string | null;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw invalid(where, 'the IPv6 address has no closing "]"');
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw invalid(where, 'unexpected characters after the IPv6 address');
    portPart = after === '' ? null : after.slice(1);
    if (!/^[0-9a-fA-F:.]+$/.test(host) || !host.includes(':')) {
      throw invalid(where, 'the text in [...] is not an IPv6 address');
    }
  } else {
    const colons = authority.split(':').length - 1;
    if (colons > 1) throw invalid(where, 'an IPv6 address must be written in brackets, e.g. rtmp://[::1]/live');
    const c = authority.indexOf(':');
    host = c < 0 ? authority : authority.slice(0, c);
    portPart = c < 0 ? null : authority.slice(c + 1);
    if (host === '') throw invalid(`${protocol}://…`, 'the host is missing');
    if (!/^[A-Za-z0-9._-]+$/.test(host)) {
      throw invalid(where, 'the host has characters a host name cannot have (use punycode for IDN)');
    }
  }
  if (portPart === null) {
    return { host, port: protocol === 'rtmps' ? RTMPS_DEFAULT_PORT : RTMP_DEFAULT_PORT, portText: null };
  }
  const port = /^[0-9]{1,5}$/.test(portPart) ? Number(portPart) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    const shown = host.includes(':') ? `[${host}]` : host;
    throw invalid(`${protocol}://${shown}:<port>/${REDACTED}`, 'the port must be a number from 1 to 65535');
  }
  return { host, port, portText: portPart };
}

function invalid(where: string, why: string): RtmpError {
  return new RtmpError(Code.UrlInvalid, `invalid RTMP URL ${where}: ${why}`);
}

/**
 * A URL safe to log: the stream name (and any query, which may carry a key
 * or token) replaced by `<redacted>`, e.g.
 * `rtmps://live-api-s.facebook.com:443/rtmp/<redacted>`.
 * Takes a parsed {@link RtmpUrl} or a string; a string that does not parse
 * gives no more than its scheme.
 */
export function formatRtmpUrlForLog(url: string | RtmpUrl): string {
  let parsed: RtmpUrl;
  if (typeof url === 'string') {
    try {
      parsed = parseRtmpUrl(url);
    } catch {
      const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url.trim())?.[1];
      return scheme === undefined ? REDACTED : `${scheme.toLowerCase()}:${REDACTED}`;
    }
  } else {
    parsed = url;
  }
  const q = parsed.tcUrl.indexOf('?');
  const base = q < 0 ? parsed.tcUrl : `${parsed.tcUrl.slice(0, q)}?${REDACTED}`;
  return parsed.streamName === '' ? base : `${base}/${REDACTED}`;
}

/** Characters that continue a token: an occurrence of a key next to one of these is part of another word, not the key. */
const TOKEN_CHAR = /[A-Za-z0-9_-]/;

/**
 * `text` with a stream key taken out: its whole-token occurrences (the key,
 * its publish name and query apart, each also URL-encoded as a component
 * or as part of a URL) replaced by
 * `replacement`. Whole tokens only, never substrings: with the key `s`,
 * "the server closed" stays as it is, where "publish s refused" becomes
 * "publish <stream key> refused".
 */
export function redactStreamKey(text: string, streamKey: string, replacement = '<stream key>'): string {
  if (streamKey.length === 0) return text;
  const q = streamKey.indexOf('?');
  const parts = q < 0 ? [streamKey] : [streamKey, streamKey.slice(0, q), streamKey.slice(q + 1)];
  const tokens = new Set<string>();
  for (const p of parts) {
    if (p.length === 0) continue;
    tokens.add(p);
    tokens.add(encodeURIComponent(p));
    tokens.add(encodeURI(p));
  }
  let out = text;
  // Longest first, so the whole key goes before its parts.
  for (const token of [...tokens].sort((a, b) => b.length - a.length)) {
    let from = 0;
    let result = '';
    for (let i = out.indexOf(token); i >= 0; i = out.indexOf(token, i + 1)) {
      const before = i > 0 ? out[i - 1]! : '';
      const after = out[i + token.length] ?? '';
      if (i < from || TOKEN_CHAR.test(before) || TOKEN_CHAR.test(after)) continue;
      result += out.slice(from, i) + replacement;
      from = i + token.length;
    }
    out = result + out.slice(from);
  }
  return out;
}
