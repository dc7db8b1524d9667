/**
 * The bandwidth-limiting proxy (throttle-proxy.py) from Node: a Python child
 * that listens on a free loopback port and forwards to 127.0.0.1:`target`,
 * its client → server direction limited to a rate, and both directions
 * stalled on command. Python, because Node cannot shrink a socket's
 * receive buffer, and without that the kernel absorbs the throttle (see the
 * script's docstring).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A running throttle proxy. */
export interface ThrottleProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** A new client → server rate, kbit/s (0 = unlimited). */
  setKbps(kbps: number): void;
  /** Stops passing bytes both ways; the connections stay open, as on a dead link. */
  stall(): void;
  /** Passes bytes again, at the rate in force. */
  resume(): void;
  /** What the script wrote on stderr. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`target` at `kbps` (0 = unlimited). */
export async function startThrottleProxy(target: number, kbps = 0): Promise<ThrottleProxy> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const child = spawn(python, [fileURLToPath(new URL('./throttle-proxy.py', import.meta.url)), String(target), String(Math.max(0, Math.round(kbps)))], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-10_000)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    child.once('exit', (code) => reject(new Error(`throttle proxy exited ${code}: ${err}`)));
  });
  const command = (line: string) => {
    if (child.exitCode === null) child.stdin.write(`${line}\n`);
  };
  return {
    port,
    setKbps: (k) => command(String(Math.max(0, Math.round(k)))),
    stall: () => command('stall'),
    resume: () => command('resume'),
    log: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
