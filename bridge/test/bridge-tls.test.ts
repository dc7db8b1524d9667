/**
 * TLS: rtmps:// targets (`tls=1`) with SNI and certificate verification, and
 * the bridge serving wss:// itself. The certificate is made here with openssl.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridge } from '../src/index.ts';
import { closed, openWs, refusal, startBridge, TEST_ORIGIN, until } from './support/loopback.ts';

const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl'], { stdio: 'ignore' }).status === 0;
let dir = '';
let cert = Buffer.alloc(0);
let key = Buffer.alloc(0);
let server: tls.Server;
let port = 0;
const servernames: (string | false)[] = [];

beforeAll(async () => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(path.join(tmpdir(), 'bridge-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
     '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
     '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  cert = readFileSync(path.join(dir, 'cert.pem'));
  key = readFileSync(path.join(dir, 'key.pem'));
  // An echo target speaking TLS, recording the SNI it was sent.
  server = tls.createServer({ cert, key }, (socket) => {
    servernames.push((socket as tls.TLSSocket & { servername: string | false }).servername);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const localhostLookup = async () => [{ address: '127.0.0.1', family: 4 }];

describe.skipIf(!hasOpenssl)('rtmps:// targets', () => {
  const echoOnce = async (url: string) => {
    const ws = await openWs(url);
    ws.send(Buffer.from('over tls'));
    const [reply] = (await once(ws, 'message')) as [Buffer];
    ws.close();
    await closed(ws);
    return reply.toString();
  };

  it('reaches a TLS target by name with tls=1: SNI sent, certificate verified against the test CA', async () => {
    const b = await startBridge({ allow: [`localhost:${port}`, `127.0.0.1:${port}`], lookup: localhostLookup, targetCa: cert });
    servernames.length = 0;
    expect(await echoOnce(b.url(`host=localhost&port=${port}&tls=1`))).toBe('over tls');
    expect(servernames).toEqual(['localhost']);
    await until(() => b.logs.length > 0);
    expect(b.logs[0]).toMatchObject({ event: 'connection', tls: true, target: `localhost:${port}`, address: '127.0.0.1' });
    await b.close();
  });

  it('reaches a TLS target by IP literal (checked against the IP SAN, no SNI)', async () => {
    const b = await startBridge({ allow: [`127.0.0.1:${port}`], targetCa: cert });
    servernames.length = 0;
    expect(await echoOnce(b.url(`host=127.0.0.1&port=${port}&tls=1`))).toBe('over tls');
    expect(servernames).toEqual([false]);
    await b.close();
  });

  it('fails verification without the CA (502), and --insecure-tls skips it', async () => {
    const strict = await startBridge({ allow: [`localhost:${port}`, `127.0.0.1:${port}`], lookup: localhostLookup });
    expect((await refusal(strict.url(`host=localhost&port=${port}&tls=1`))).status).toBe(502);
    await until(() => strict.logs.length > 0);
    expect(strict.logs[0]).toMatchObject({ event: 'refused', reason: 'connect-failed' });
    await strict.close();

    const insecure = await startBridge({ allow: [`localhost:${port}`, `127.0.0.1:${port}`], lookup: localhostLookup, insecureTls: true });
    expect(await echoOnce(insecure.url(`host=localhost&port=${port}&tls=1`))).toBe('over tls');
    await insecure.close();
  });

  it('a certificate for another name fails even with the CA', async () => {
    const b = await startBridge({ allow: [`other.example.com:${port}`, `127.0.0.1:${port}`], lookup: localhostLookup, targetCa: cert });
    expect((await refusal(b.url(`host=other.example.com&port=${port}&tls=1`))).status).toBe(502);
    await b.close();
  });

  it('serves wss:// itself with --tls-cert/--tls-key', async () => {
    const bridge = createBridge({ allow: [`127.0.0.1:${port}`], tls: { cert, key }, targetCa: cert, log: false });
    const address = await bridge.listen(0, '127.0.0.1');
    const url = `wss://127.0.0.1:${address.port}/?host=127.0.0.1&port=${port}&tls=1`;
    const ws = await openWs(url, { ca: cert, origin: TEST_ORIGIN });
    ws.send(Buffer.from('wss'));
    const [reply] = (await once(ws, 'message')) as [Buffer];
    expect(reply.toString()).toBe('wss');
    ws.close();
    await closed(ws);
    await bridge.close({ drainTimeoutMs: 100 });
  });
});
