/**
 * node-media-server v4 (npm), on loopback, in a child process of its own
 * (it keeps module-level state). Serves RTMP and HTTP-FLV / WS-FLV.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './free-port.ts';

/** A running node-media-server. */
export interface NodeMediaServerPeer {
  port: number;
  httpPort: number;
  /** `rtmp://127.0.0.1:<port>/live` */
  url: string;
  /** What it printed (its log). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts node-media-server with RTMP and HTTP on free loopback ports. */
export async function startNodeMediaServer(options: { port?: number; httpPort?: number } = {}): Promise<NodeMediaServerPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'nms-'));
  const port = options.port ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const script = join(dirname(fileURLToPath(import.meta.url)), 'nms-process.cjs');
  const child: ChildProcess = spawn(process.execPath, [script, String(port), String(httpPort), dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await waitForPort(port);
  await waitForPort(httpPort);
  return {
    port,
    httpPort,
    url: `rtmp://127.0.0.1:${port}/live`,
    log: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
