/**
 * The command line of `npm start` (scripts/start.ts): parsing and usage text.
 * Kept apart from the servers so it can be tested without starting anything.
 */
import { parseArgs } from 'node:util';

/** What `npm start -- …` asked for. Ports left `undefined` are picked by the stack. */
export interface StartOptions {
  /** Interface every server listens on. Loopback unless told otherwise. */
  host: string;
  /** RTMP port of the embedded server; `undefined`: 1935, or a free port if 1935 is busy. */
  rtmpPort: number | undefined;
  /** HTTP-FLV port of the embedded server; `undefined`: a free port. */
  httpFlvPort: number | undefined;
  /** Bridge port; `undefined`: 8081, or a free port if busy. */
  bridgePort: number | undefined;
  /** Demo web server port; `undefined`: 5173, or a free port if busy. */
  webPort: number | undefined;
  /** Extra bridge targets (`host:port`), beyond the embedded server. */
  allow: string[];
  /** Extra page origins the bridge accepts, beyond this machine. */
  origins: string[];
  /** Log every connection of the bridge and the RTMP server. */
  verbose: boolean;
  /** Do not watch the sources: no hot reload when a file changes (steadier for tests and long sessions). */
  noWatch: boolean;
  /** Print the usage and exit. */
  help: boolean;
}

/** The usage text of `npm start`. */
export const START_USAGE = `Usage: npm start -- [options]

Starts, on loopback: an RTMP server (node-media-server), the WebSocket bridge
(allowing only that server), and the demo site. Then prints their URLs.

  --allow HOST:PORT   also let the bridge reach this RTMP(S) ingest (repeatable),
                      e.g. --allow a.rtmps.youtube.com:443
  --origin ORIGIN     also accept pages from this origin (repeatable)
  --host HOST         listen on HOST (default 127.0.0.1; 0.0.0.0 exposes the
                      demo, the bridge and the RTMP server to your network)
  --rtmp-port N       RTMP server port (default 1935, or a free one if busy)
  --http-flv-port N   the RTMP server's HTTP-FLV port (default: a free one)
  --bridge-port N     bridge port (default 8081, or a free one if busy)
  --web-port N        demo site port (default 5173, or a free one if busy)
  --verbose           log every connection
  --no-watch          do not reload the page when source files change
  --help              this text
`;

/** A bad command line: the message says which option. */
export class StartUsageError extends Error {
  override readonly name = 'StartUsageError';
}

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new StartUsageError(`--${name} must be a port number (1-65535), got ${JSON.stringify(value)}`);
  }
  return n;
}

function hostPort(value: string): string {
  // host:port, [v6]:port or *.suffix:port; the bridge checks the rest.
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):\d{1,5}$/.test(value)) {
    throw new StartUsageError(`--allow takes HOST:PORT (e.g. a.rtmp.youtube.com:1935), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parses `npm start` arguments. Throws a {@link StartUsageError} for a bad one. */
export function parseStartOptions(argv: readonly string[]): StartOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        allow: { type: 'string', multiple: true },
        origin: { type: 'string', multiple: true },
        host: { type: 'string' },
        'rtmp-port': { type: 'string' },
        'http-flv-port': { type: 'string' },
        'bridge-port': { type: 'string' },
        'web-port': { type: 'string' },
        verbose: { type: 'boolean' },
        'no-watch': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new StartUsageError((e as Error).message);
  }
  const v = parsed.values;
  const host = v.host ?? '127.0.0.1';
  if (host === '' || /[\s/]/.test(host)) throw new StartUsageError(`--host must be an address or name, got ${JSON.stringify(host)}`);
  return {
    host,
    rtmpPort: port('rtmp-port', v['rtmp-port']),
    httpFlvPort: port('http-flv-port', v['http-flv-port']),
    bridgePort: port('bridge-port', v['bridge-port']),
    webPort: port('web-port', v['web-port']),
    allow: (v.allow ?? []).map(hostPort),
    origins: v.origin ?? [],
    verbose: v.verbose ?? false,
    noWatch: v['no-watch'] ?? false,
    help: v.help ?? false,
  };
}
