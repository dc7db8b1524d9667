/**
 * The `rtmp-bridge` bin as a process: start, /healthz, bridge a connection,
 * SIGTERM → drain → exit 0. And the `token` subcommand, and bad arguments.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyToken } from '../src/token.ts';
import { startBridgeProcess } from './support/cli-process.ts';
import { closed, openWs, refusal, startEchoTarget, type TcpTarget } from './support/loopback.ts';

const BIN = fileURLToPath(new URL('../bin/rtmp-bridge.mjs', import.meta.url));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Spawns the bin; resolves once it printed its 'listening' line. */
function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return startBridgeProcess(process.execPath, [BIN], args, {
    env,
    onSpawn: (child) => cleanups.push(() => child.exitCode === null && child.kill('SIGKILL')),
  });
}

describe('rtmp-bridge CLI', () => {
  it('serves /healthz, bridges, and on SIGTERM drains and exits 0', async () => {
    const target: TcpTarget = await startEchoTarget();
    cleanups.push(() => target.close());
    const { child, port, lines } = await startCli(['--allow', `127.0.0.1:${target.port}`, '--drain-timeout', '0.2']);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/process_cpu_user_seconds_total/);

    const ws = await openWs(`ws://127.0.0.1:${port}/?host=127.0.0.1&port=${target.port}`);
    ws.send(Buffer.from('via cli'));
    const [echo] = (await once(ws, 'message')) as [Buffer];
    expect(echo.toString()).toBe('via cli');

    const wsClosed = closed(ws);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await wsClosed).code).toBe(1001); // still open when the drain timeout ran out
    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    expect(lines.map((l) => l.event)).toEqual(['listening', 'shutdown', 'connection', 'stopped']);
    expect(lines[2]).toMatchObject({ closeReason: 'shutdown', bytesToTarget: 7, bytesToClient: 7 });
  });

  it('reads --allow-file and the token secret from the environment', async () => {
    const target: TcpTarget = await startEchoTarget();
    cleanups.push(() => target.close());
    const dir = mkdtempSync(path.join(tmpdir(), 'bridge-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'allow.txt');
    writeFileSync(file, `# targets\n127.0.0.1:${target.port}\n`);
    const secret = 'secret from the environment';
    const { child, port } = await startCli(['--allow-file', file], { RTMP_BRIDGE_TOKEN_SECRET: secret });
    const base = `ws://127.0.0.1:${port}/?host=127.0.0.1&port=${target.port}`;
    expect((await refusal(base)).status).toBe(403);
    const token = spawnSync(process.execPath, [BIN, 'token', '--secret', secret, '--ttl', '60', '--target', `127.0.0.1:${target.port}`], {
      encoding: 'utf8',
    });
    expect(token.status).toBe(0);
    const ws = await openWs(`${base}&token=${token.stdout.trim()}`);
    ws.close();
    await closed(ws);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });

  it('token prints a token that verifies', () => {
    const out = spawnSync(process.execPath, [BIN, 'token', '--secret', 'a sixteen+ byte secret', '--ttl', '3600'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(verifyToken(out.stdout.trim(), { secret: 'a sixteen+ byte secret', target: 'any.example:1935' }).ok).toBe(true);
  });

  it.each([
    [['--allow', 'not-an-entry']],
    [['--listen', 'nonsense']],
    [['--max-connections', '-1']],
    [['--bogus']],
    [['--tls-cert', 'only-cert.pem']],
    [['token', '--ttl', '60']],
  ])('exits 2 on bad arguments: %j', (args) => {
    const out = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^rtmp-bridge: /);
  });
});
