/**
 * Which web pages may open the bridge: an allowlist of `Origin` header values,
 * checked in the upgrade handler before anything else happens.
 *
 * Browsers always send `Origin` on a WebSocket upgrade and pages cannot forge
 * it, so this stops other sites from using a visitor's browser as a relay.
 * Non-browser clients can send any Origin: use tokens to keep those out.
 */

/**
 * The default: pages served from this machine only (`localhost`, `127.0.0.1`,
 * `[::1]`, any port, http or https), so local development works out of the
 * box and a bridge started without `--origin` is no relay for the web.
 */
export const DEFAULT_ORIGINS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'].flatMap((h) => [
  `http://${h}:*`,
  `https://${h}:*`,
]);

/**
 * An origin allowlist. Patterns are exact origins (`https://app.example.com`,
 * `http://localhost:5173`), origins with any port (`http://localhost:*`,
 * which also matches no port), or `*`: any origin, and requests without one.
 * Without `*`, a request with no Origin header (or `Origin: null`) is refused.
 */
export class OriginPolicy {
  /** The patterns, as given. */
  readonly patterns: readonly string[];
  private readonly any: boolean;
  private readonly parsed: readonly { scheme: string; host: string; port: string | '*' }[];

  /** Throws a TypeError naming a pattern that is not an origin. */
  constructor(patterns: readonly string[] = DEFAULT_ORIGINS) {
    this.patterns = [...patterns];
    this.any = patterns.includes('*');
    this.parsed = patterns
      .filter((p) => p !== '*')
      .map((p) => {
        const anyPort = p.endsWith(':*');
        const url = parseOrigin(anyPort ? p.slice(0, -2) : p);
        if (url === undefined) throw new TypeError(`origin ${JSON.stringify(p)}: expected scheme://host[:port], host:* or *`);
        return { scheme: url.protocol, host: url.hostname, port: anyPort ? '*' : url.port };
      });
  }

  /** True when a request with this Origin header value (undefined when absent) may connect. */
  allows(origin: string | undefined): boolean {
    if (this.any) return true;
    if (origin === undefined || origin === 'null') return false;
    const url = parseOrigin(origin);
    if (url === undefined) return false;
    return this.parsed.some(
      (p) => p.scheme === url.protocol && p.host === url.hostname && (p.port === '*' || p.port === url.port),
    );
  }
}

/** Parses an origin (scheme, host, optional port; no path, query or credentials). */
function parseOrigin(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const bare = url.pathname === '/' && !text.endsWith('/') && url.search === '' && url.hash === '';
  if (!bare || url.username !== '' || url.password !== '') return undefined;
  return url;
}

