/**
 * The core, in Chromium, plays through the bridge: WebSocket → rtmp-bridge →
 * nginx-rtmp, with FFmpeg publishing. Proves the sans-I/O core and the
 * WebSocket transport run unchanged in a browser.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import { RtmpClient, parseVideoTag } from '@rtmp-web/core';
import { WebSocketTransport } from '@rtmp-web/transport/websocket';

interface Started {
  id: string;
  port: number;
  url: string;
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

describe('core in the browser, through the bridge', () => {
  const cleanup: string[] = [];
  after(async () => {
    for (const id of cleanup.reverse()) await executeServerCommand('peers-stop', { id });
  });

  it('plays FFmpeg’s stream from nginx-rtmp', async () => {
    const server = (await executeServerCommand('peers-start-server', { kind: 'nginx' })) as Started;
    cleanup.push(server.id);
    const bridge = (await executeServerCommand('peers-start-bridge', { allow: [`127.0.0.1:${server.port}`] })) as { id: string; url: string };
    cleanup.push(bridge.id);
    const ff = (await executeServerCommand('peers-ffmpeg-publish', { url: `${server.url}/browser` })) as { id: string };
    cleanup.push(ff.id);

    let codec = '';
    for (let attempt = 0; attempt < 20 && codec === ''; attempt++) {
      const client = new RtmpClient({
        url: `${server.url}/browser`,
        transport: new WebSocketTransport({ bridge: bridge.url, host: '127.0.0.1', port: server.port }),
      });
      client.on('media', (m) => {
        if (m.typeId !== 9) return;
        const tag = parseVideoTag(m.payload);
        if (tag.kind === 'sequence-start') codec = tag.codec;
      });
      try {
        await client.connect();
        await client.play();
        await new Promise((r) => setTimeout(r, 1500));
      } catch {
        /* publisher not up yet */
      }
      client.close();
    }
    assert(codec === 'avc1', `expected an AVC sequence header, got ${codec || 'nothing'}`);
  });
});
