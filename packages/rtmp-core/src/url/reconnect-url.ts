/**
 * Where an Enhanced RTMP reconnect request sends the client.
 *
 * A server that wants the client elsewhere (it is draining for maintenance,
 * or rebalancing) sends NetConnection onStatus
 * `NetConnection.Connect.ReconnectRequest` with an optional `tcUrl`
 * (E-RTMP v2, "Reconnect Request"):
 *
 * ```text
 *   tcUrl absent               → the current tcUrl (reconnect to the same server)
 *   rtmp://foo.example:1935/app → absolute: that server
 *   //192.0.2.0/app            → network-path reference: the current scheme
 *   /app                       → absolute path: the current scheme, host and port
 *   app2, ../x, ?q=1           → relative, resolved against the current tcUrl (RFC 3986 §5.2)
 * ```
 *
 * The stream name stays what it was: the request moves the NetConnection,
 * and the client plays or publishes the same stream on the new server.
 * A move from rtmps:// to rtmp:// is refused: the stream key would then
 * travel in clear text on the server's word alone.
 */
import { RtmpError, RtmpErrorCode } from '../errors.ts';
import { parseRtmpUrl, type RtmpUrl } from './rtmp-url.ts';

/** The onStatus code of the reconnect request (E-RTMP v2, "Reconnect Request"). */
export const RECONNECT_REQUEST_CODE = 'NetConnection.Connect.ReconnectRequest';

/**
 * The address a reconnect request names: `reference` (the info object's
 * `tcUrl`, as it came) resolved against `current`, with `current`'s stream
 * name. `undefined`, `null` or an empty string mean the current address.
 * Throws an {@link RtmpError} with code UrlInvalid when the reference is not
 * a string, does not resolve to an rtmp:// or rtmps:// URL, or would leave
 * TLS; its message never holds the stream name.
 */
export function resolveReconnectUrl(reference: unknown, current: RtmpUrl): RtmpUrl {
  if (reference === undefined || reference === null || reference === '') return current;
  if (typeof reference !== 'string') {
    throw new RtmpError(RtmpErrorCode.UrlInvalid, `the reconnect request's tcUrl is not a string (${typeof reference})`);
  }
  const absolute = resolveReference(reference.trim(), current.tcUrl);
  const target = parseRtmpUrl(absolute, { streamName: current.streamName });
  if (current.secure && !target.secure) {
    throw new RtmpError(RtmpErrorCode.UrlInvalid, 'the reconnect request asks to move from rtmps:// to rtmp://: refused, the stream key would travel in clear text');
  }
  return target;
}

/** A URI reference split as RFC 3986 Appendix B does; absent parts are undefined. The fragment is dropped. */
interface UriParts {
  scheme: string | undefined;
  authority: string | undefined;
  path: string;
  query: string | undefined;
}

function splitUri(text: string): UriParts {
  // RFC 3986 Appendix B: every string matches.
  const m = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$/s.exec(text);
  return { scheme: m?.[1], authority: m?.[2], path: m?.[3] ?? '', query: m?.[4] };
}

/** RFC 3986 §5.2.2 (strict): the target of `reference` against the absolute `base`, as a string. */
function resolveReference(reference: string, base: string): string {
  const r = splitUri(reference);
  const b = splitUri(base);
  let t: UriParts;
  if (r.scheme !== undefined) {
    t = { ...r, path: removeDotSegments(r.path) };
  } else if (r.authority !== undefined) {
    t = { scheme: b.scheme, authority: r.authority, path: removeDotSegments(r.path), query: r.query };
  } else if (r.path === '') {
    t = { scheme: b.scheme, authority: b.authority, path: b.path, query: r.query ?? b.query };
  } else if (r.path.startsWith('/')) {
    t = { scheme: b.scheme, authority: b.authority, path: removeDotSegments(r.path), query: r.query };
  } else {
    t = { scheme: b.scheme, authority: b.authority, path: removeDotSegments(mergePaths(b, r.path)), query: r.query };
  }
  return (
    (t.scheme === undefined ? '' : `${t.scheme}:`) +
    (t.authority === undefined ? '' : `//${t.authority}`) +
    t.path +
    (t.query === undefined ? '' : `?${t.query}`)
  );
}

/** RFC 3986 §5.2.3: a relative path against the base's path. */
function mergePaths(base: UriParts, path: string): string {
  if (base.authority !== undefined && base.path === '') return `/${path}`;
  return base.path.slice(0, base.path.lastIndexOf('/') + 1) + path;
}

/** RFC 3986 §5.2.4: `.` and `..` segments interpreted and removed. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  let input = path;
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      out.pop();
    } else if (input === '/..') {
      input = '/';
      out.pop();
    } else if (input === '.' || input === '..') {
      input = '';
    } else {
      const segment = /^\/?[^/]*/.exec(input)?.[0] ?? input;
      out.push(segment);
      input = input.slice(segment.length);
    }
  }
  return out.join('');
}
