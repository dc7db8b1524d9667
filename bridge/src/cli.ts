/**
 * The `rtmp-bridge` command: run a bridge, or mint a token.
 *
 *   rtmp-bridge --listen 127.0.0.1:8081 --allow 127.0.0.1:1935 [--allow …]
 *   rtmp-bridge token --secret S --ttl 3600 [--target host:port]
 *
 * SIGTERM or SIGINT: stop accepting, drain, exit 0.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllowEntry, parseAllowFile, formatAllowEntry, type AllowEntry } from './allowlist.ts';
import { createBridge, DEFAULT_LIMITS, type BridgeOptions } from './bridge-server.ts';
import { mintToken } from './token.ts';

/** The environment variable that can carry the token secret instead of `--token-secret` (kept out of `ps`). */
export const TOKEN_SECRET_ENV = 'RTMP_BRIDGE_TOKEN_SECRET';

const USAGE = `Usage:
  rtmp-bridge [--listen HOST:PORT] --allow HOST:PORT [--allow …] [options]
  rtmp-bridge token --secret SECRET --ttl SECONDS [--target HOST:PORT]

Targets (deny by default):
  --allow HOST:PORT          reachable target; *.example.com:443 wildcards one label
  --allow-file FILE          one entry per line, # comments
Clients:
  --listen HOST:PORT         default 127.0.0.1:8081 ([::]:8081 for IPv6)
  --origin ORIGIN            allowed page origin, e.g. https://app.example.com,
                             http://localhost:* (any port) or * (any, or none);
                             default: localhost, 127.0.0.1 and [::1] only
  --token-secret SECRET      require signed tokens (or set ${TOKEN_SECRET_ENV})
  --trust-proxy              client IP from X-Forwarded-For (behind one proxy)
  --tls-cert FILE --tls-key FILE   serve wss:// directly
Target TLS (rtmps://, ?tls=1):
  --target-ca FILE           trust this CA instead of the bundled roots
  --insecure-tls             do not verify target certificates (tests only)
Limits:
  --max-connections N        default ${DEFAULT_LIMITS.maxConnections}
  --max-connections-per-ip N default ${DEFAULT_LIMITS.maxConnectionsPerIp}
  --max-payload BYTES        default ${DEFAULT_LIMITS.maxPayload}
  --max-fragments N          default ${DEFAULT_LIMITS.maxFragments}
  --high-water-mark BYTES    default ${DEFAULT_LIMITS.highWaterMark}
  --handshake-timeout S      default ${DEFAULT_LIMITS.handshakeTimeoutMs / 1000}
  --connect-timeout S        default ${DEFAULT_LIMITS.connectTimeoutMs / 1000}
  --idle-timeout S           default ${DEFAULT_LIMITS.idleTimeoutMs / 1000}
  --ping-interval S          default ${DEFAULT_LIMITS.pingIntervalMs / 1000}
  --drain-timeout S          default ${DEFAULT_LIMITS.drainTimeoutMs / 1000}
`;

/** A bad command line; `main` prints it with the usage hint and exits 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Runs the command line. Resolves with the exit code: for `token` once
 * printed, for the server once it has shut down after SIGTERM/SIGINT.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    if (argv[0] === 'token') return runToken(argv.slice(1));
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    return await runServer(argv, env);
  } catch (e) {
    if (e instanceof UsageError || e instanceof TypeError || isParseArgsError(e)) {
      process.stderr.write(`rtmp-bridge: ${(e as Error).message}\nTry rtmp-bridge --help\n`);
      return 2;
    }
    throw e;
  }
}

function runToken(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: { secret: { type: 'string' }, ttl: { type: 'string' }, target: { type: 'string' } },
    strict: true,
  });
  if (values.secret === undefined || values.ttl === undefined) throw new UsageError('token needs --secret and --ttl');
  const token = mintToken({
    secret: values.secret,
    ttlSeconds: Number(values.ttl),
    ...(values.target === undefined ? {} : { target: values.target }),
  });
  process.stdout.write(`${token}\n`);
  return 0;
}

/** Parses the server's command line into the listen address and bridge options. */
export function parseServerArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): { host: string; port: number; options: BridgeOptions } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      listen: { type: 'string', default: '127.0.0.1:8081' },
      allow: { type: 'string', multiple: true, default: [] },
      'allow-file': { type: 'string', multiple: true, default: [] },
      origin: { type: 'string', multiple: true },
      'token-secret': { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'target-ca': { type: 'string' },
      'insecure-tls': { type: 'boolean', default: false },
      'max-connections': { type: 'string' },
      'max-connections-per-ip': { type: 'string' },
      'max-payload': { type: 'string' },
      'max-fragments': { type: 'string' },
      'high-water-mark': { type: 'string' },
      'handshake-timeout': { type: 'string' },
      'connect-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'ping-interval': { type: 'string' },
      'drain-timeout': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const listen = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(values.listen);
  if (listen === null) throw new UsageError('--listen must be HOST:PORT');
  const allow: AllowEntry[] = values.allow.map(parseAllowEntry);
  for (const file of values['allow-file']) allow.push(...parseAllowFile(readFileSync(file, 'utf8')));
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  const int = (flag: string) => {
    const v = (values as Record<string, unknown>)[flag];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer`);
    return n;
  };
  const ms = (flag: string) => {
    const v = (values as Record<string, unknown>)[flag];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number of seconds`);
    return Math.max(1, Math.round(n * 1000));
  };
  const secret = values['token-secret'] ?? env[TOKEN_SECRET_ENV];
  const options: BridgeOptions = {
    allow,
    ...(values.origin === undefined ? {} : { origins: values.origin }),
    ...(secret === undefined || secret === '' ? {} : { tokenSecret: secret }),
    trustProxy: values['trust-proxy'],
    insecureTls: values['insecure-tls'],
    ...(values['target-ca'] === undefined ? {} : { targetCa: readFileSync(values['target-ca']) }),
    ...(values['tls-cert'] === undefined || values['tls-key'] === undefined
      ? {}
      : { tls: { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) } }),
    maxConnections: int('max-connections'),
    maxConnectionsPerIp: int('max-connections-per-ip'),
    maxPayload: int('max-payload'),
    maxFragments: int('max-fragments'),
    highWaterMark: int('high-water-mark'),
    handshakeTimeoutMs: ms('handshake-timeout'),
    connectTimeoutMs: ms('connect-timeout'),
    idleTimeoutMs: ms('idle-timeout'),
    pingIntervalMs: ms('ping-interval'),
    drainTimeoutMs: ms('drain-timeout'),
    collectDefaultMetrics: true,
  };
  return { host: listen[1] ?? listen[2] ?? '', port: Number(listen[3]), options };
}

async function runServer(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { host, port, options } = parseServerArgs(argv, env);
  const allow = [...(options.allow ?? [])] as AllowEntry[];
  if (allow.length === 0) process.stderr.write('rtmp-bridge: warning: no --allow entries, every target will be refused\n');
  if (options.insecureTls) process.stderr.write('rtmp-bridge: warning: --insecure-tls: target certificates are not verified\n');
  const bridge = createBridge(options);
  const address = await bridge.listen(port, host);
  const line = (entry: object) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  line({
    event: 'listening',
    address: address.address,
    port: address.port,
    tls: options.tls !== undefined,
    allow: allow.map(formatAllowEntry),
    origins: options.origins ?? 'default (this machine)',
    tokens: options.tokenSecret !== undefined,
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  line({ event: 'shutdown', signal, active: bridge.stats().active });
  await bridge.close();
  line({ event: 'stopped' });
  return 0;
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
