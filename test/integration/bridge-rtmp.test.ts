/**
 * RTMP end to end through rtmp-bridge: the core's client, over its
 * WebSocket transport (Node's `ws` standing in for the browser's WebSocket),
 * publishes to nginx-rtmp through the bridge and plays the stream back
 * through it; and rtmps:// (tls=1) to a TLS front (self-signed, openssl) of
 * nginx-rtmp, verified against the test CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseVideoTag, RtmpClient, RtmpError } from '@rtmp-web/core';
import { type WebSocketLike, WebSocketTransport } from '@rtmp-web/transport/websocket';
import { startBridge, TEST_ORIGIN, type TestBridge } from '../../bridge/test/support/loopback.ts';
import { makeTestSource } from '../peers/ffmpeg.ts';
import { type NginxRtmp, startNginxRtmp } from '../peers/nginx-rtmp.ts';
import { publishPaced, readFlvTags } from './flv-publish.ts';

/** `ws` with the Origin a page on localhost would send. */
class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { origin: TEST_ORIGIN });
  }
}
const WsCtor = BrowserLikeWebSocket as unknown as new (url: string) => WebSocketLike;

function viaBridge(bridge: TestBridge, url: string, port: number, streamName?: string, tlsOn = false): RtmpClient {
  return new RtmpClient({
    url,
    ...(streamName === undefined ? {} : { streamName }),
    transport: new WebSocketTransport({ bridge: `ws://127.0.0.1:${bridge.port}/`, host: '127.0.0.1', port, tls: tlsOn, WebSocket: WsCtor }),
    timeoutMs: 15_000,
  });
}

/** Plays `name` and resolves with the first video sequence header's codec, or '' after `ms`. */
async function firstVideoCodec(c: RtmpClient, ms: number): Promise<string> {
  let codec = '';
  let frames = 0;
  c.on('media', (m) => {
    if (m.typeId !== 9) return;
    const tag = parseVideoTag(m.payload);
    if (tag.kind === 'sequence-start') codec = tag.codec;
    else if (tag.kind === 'frame') frames++;
  });
  await c.connect();
  await c.play();
  const deadline = Date.now() + ms;
  while ((codec === '' || frames < 10) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  c.close();
  return frames >= 10 ? codec : '';
}

describe('RTMP through the bridge', () => {
  let nginx: NginxRtmp;
  let bridge: TestBridge;
  let tlsFront: tls.Server;
  let tlsPort = 0;
  let certDir = '';
  let cert: Buffer;

  beforeAll(async () => {
    nginx = await startNginxRtmp();
    certDir = mkdtempSync(join(tmpdir(), 'rtmps-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(certDir, 'cert.pem'));
    // The TLS front: terminates TLS and pipes to nginx-rtmp, as an rtmps ingest does.
    tlsFront = tls.createServer({ cert, key: readFileSync(join(certDir, 'key.pem')) }, (socket) => {
      const upstream = net.connect({ host: '127.0.0.1', port: nginx.port });
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    tlsFront.on('tlsClientError', () => {});
    await new Promise<void>((r) => tlsFront.listen(0, '127.0.0.1', () => r()));
    tlsPort = (tlsFront.address() as net.AddressInfo).port;
    bridge = await startBridge({ allow: [`127.0.0.1:${nginx.port}`, `127.0.0.1:${tlsPort}`], targetCa: cert });
  }, 60_000);

  afterAll(async () => {
    await bridge?.close();
    tlsFront?.close();
    await nginx?.stop();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('publishes to nginx-rtmp through the bridge, and plays it back through the bridge and over rtmps', async () => {
    const tags = readFlvTags(await makeTestSource({ seconds: 4 }));
    const publisher = viaBridge(bridge, nginx.url, nginx.port, 'viabridge');
    await publisher.connect();
    const streamId = await publisher.publish();
    const signal = { stop: false };
    const publishing = publishPaced(publisher, streamId, tags, 5, signal);
    try {
      const plain = await firstVideoCodec(viaBridge(bridge, `${nginx.url}/viabridge`, nginx.port), 10_000);
      expect(plain).toBe('avc1');
      const overTls = await firstVideoCodec(viaBridge(bridge, `rtmps://127.0.0.1:${tlsPort}/live/viabridge`, tlsPort, undefined, true), 10_000);
      expect(overTls).toBe('avc1');
    } finally {
      signal.stop = true;
      await publishing;
      publisher.close();
    }
    // One log line per connection (written when it closes), with no stream name in it.
    for (let i = 0; i < 50 && bridge.logs.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(bridge.logs.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(bridge.logs)).not.toContain('viabridge');
  });

  it('gives a typed error, not an exception, when the bridge refuses the target', async () => {
    const c = viaBridge(bridge, `rtmp://127.0.0.1:${nginx.port + 1}/live/x`, nginx.port + 1);
    const e = await c.connect().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RtmpError);
    expect((e as RtmpError).code).toBe('TRANSPORT_ERROR');
  });
});
