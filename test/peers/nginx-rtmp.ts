/**
 * nginx with the RTMP module (Debian's nginx + libnginx-mod-rtmp), started on
 * loopback with a generated config in a temp dir, as an ordinary process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './free-port.ts';

/** A running nginx-rtmp. */
export interface NginxRtmp {
  /** RTMP port on 127.0.0.1. */
  port: number;
  /** HTTP port on 127.0.0.1 (returns 200). */
  httpPort: number;
  /** `rtmp://127.0.0.1:<port>/live` */
  url: string;
  dir: string;
  /** The error log (info level: every connect/publish/play). */
  log(): string;
  stop(): Promise<void>;
}

/** Options for {@link startNginxRtmp}. */
export interface NginxRtmpOptions {
  /** Extra directives inside `application live { … }`, e.g. `on_publish http://127.0.0.1:P/auth;`. */
  applicationExtra?: string;
  /** Outgoing chunk size. Default 4096. */
  chunkSize?: number;
  /** RTMP port; default a free one (pass the old one to restart "the same" server). */
  port?: number;
}

/** Starts nginx-rtmp with application `live`. */
export async function startNginxRtmp(options: NginxRtmpOptions = {}): Promise<NginxRtmp> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-rtmp-'));
  const port = options.port ?? (await freePort());
  const httpPort = await freePort();
  const conf = `
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 1024; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size ${options.chunkSize ?? 4096};
    application live {
      live on;
      record off;
      ${options.applicationExtra ?? ''}
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${httpPort}; location / { return 200; } }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  execFileSync('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'pipe' });
  await waitForPort(port);
  const pidFile = join(dir, 'nginx.pid');
  return {
    port,
    httpPort,
    url: `rtmp://127.0.0.1:${port}/live`,
    dir,
    log: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    async stop() {
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      try {
        // SIGTERM (fast shutdown), not SIGQUIT (graceful): a graceful nginx-rtmp
        // worker keeps serving open RTMP connections after the master exits, so
        // a "stopped" server would still feed its players.
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      // Wait for the master to exit (pid file removed), then clean up.
      const deadline = Date.now() + 5000;
      while (existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (existsSync(pidFile)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
