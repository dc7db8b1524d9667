/**
 * The `rtmp-bridge` command as a child process, for the CLI test and the
 * packaging test (the bin of the installed package): spawned with
 * `--listen 127.0.0.1:0`, its JSON log lines collected, ready once it
 * printed its `listening` line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A running `rtmp-bridge` process. */
export interface BridgeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Its stdout lines so far, parsed. */
  readonly lines: Record<string, unknown>[];
  /** Its stderr so far. */
  stderr(): string;
}

/**
 * Spawns `command ...prefix --listen 127.0.0.1:0 ...args` (for example
 * `node bin/rtmp-bridge.mjs` or an installed bin); `onSpawn` gets the child
 * at once, so the caller can register its cleanup before anything can fail.
 */
export async function startBridgeProcess(
  command: string,
  prefix: readonly string[],
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onSpawn?: (child: ChildProcessWithoutNullStreams) => void } = {},
): Promise<BridgeProcess> {
  const child = spawn(command, [...prefix, '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  }) as ChildProcessWithoutNullStreams;
  options.onSpawn?.(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const rl = createInterface({ input: child.stdout });
  const listening = new Promise<{ port: number }>((resolve, reject) => {
    rl.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.event === 'listening') resolve(entry as unknown as { port: number });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${command} exited ${code} before listening: ${stderr}`)));
  });
  const { port } = await listening;
  return { child, port, lines, stderr: () => stderr };
}
