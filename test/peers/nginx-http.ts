/**
 * Debian's nginx as a plain HTTP(S) server or proxy for one test: the caller
 * gives the server blocks (the http {} context), this wraps them in a config
 * of its own (prefix, pid, error log and temp paths in a temp dir) and runs
 * nginx in the foreground (`daemon off`) as a child process, so it dies with
 * the test and its exit is observed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from './free-port.ts';

/** A running nginx child. */
export interface NginxHttp {
  child: ChildProcess;
  /** Its prefix: config, pid, logs, temp paths. */
  dir: string;
  /** The generated nginx.conf as written. */
  conf: string;
  /** The error log so far (level info). */
  errorLog(): string;
  /** The access log so far: one line per request, `$upstream_addr $status $request`. */
  accessLog(): string;
  /** Fast shutdown (SIGTERM), SIGKILL after 5 s; removes the prefix. */
  stop(): Promise<void>;
}

/** Options for {@link startNginxHttp}. */
export interface NginxHttpOptions {
  /** Directives for the http {} context: upstreams and server blocks. */
  http: string;
  /** A port one of the server blocks listens on (127.0.0.1): ready once it accepts. */
  port: number;
  /** Start-up bound, ms (default 10 s). */
  timeoutMs?: number;
}

/** Thrown when nginx refuses the config or does not come up. */
export class NginxStartError extends Error {
  override readonly name = 'NginxStartError';
}

/** Checks the config (`nginx -t`), then starts nginx in the foreground. */
export async function startNginxHttp(options: NginxHttpOptions): Promise<NginxHttp> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-http-'));
  // As root, nginx drops its workers to `nobody`, who cannot read a 0700 temp dir.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const conf = `
${user}
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format upstreams '$upstream_addr $status $request';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${options.http}
}
`;
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);
  const args = ['-p', dir, '-c', confFile, '-e', join(dir, 'error.log')];
  await new Promise<void>((resolve, reject) => {
    execFile('nginx', [...args, '-t', '-q'], { timeout: 10_000 }, (err, _out, stderr) =>
      err ? reject(new NginxStartError(`nginx -t refused the config: ${stderr || err.message}\n${conf}`)) : resolve(),
    );
  });
  const child = spawn('nginx', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // fast shutdown: open WebSockets are cut, not waited for
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForPort(options.port, options.timeoutMs ?? 10_000),
      exited.then(() => { throw new NginxStartError(`nginx exited at start: ${stderr}${read('error.log')}`); }),
    ]);
  } catch (e) {
    await stop();
    throw e instanceof NginxStartError ? e : new NginxStartError(`nginx did not come up: ${(e as Error).message}\n${read('error.log')}`);
  }
  return { child, dir, conf, errorLog: () => read('error.log'), accessLog: () => read('access.log'), stop };
}
