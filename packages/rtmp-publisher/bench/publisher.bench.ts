/**
 * Measurements for the publisher (printed, not asserted):
 * 1. 720p30 camera + microphone to nginx-rtmp at 2500 kbps for 20 s: the
 *    worker's CPU (Chromium's DedicatedWorker threads, from /proc), the time
 *    our code ran in the worker, and latencies: capture → encoded, and
 *    encoded → out of the WebSocket buffer (on loopback the bridge adds
 *    well under a millisecond after that).
 * 2. A 4000 kbps stream through a proxy limited to 500 kbps for 40 s, then
 *    unlimited: the encoder target, send rate, frame rate and queue, per second.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '@rtmp-web/publisher';
import type { RtmpPublisher } from '@rtmp-web/publisher';
import { noiseSource } from '../test/browser/noise-source.ts';

interface Diagnostics {
  targetKbps: number;
  workerBusyPercent: number;
  sendLatencyMs: number;
  encodeLatencyMs: number;
  queuedBytes: number;
}

const cmd = <T>(name: string, payload?: Record<string, unknown>) => executeServerCommand(name, payload) as Promise<T>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const diag = (el: RtmpPublisher) => (el as unknown as { _diagnostics: Diagnostics })._diagnostics;
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? NaN;

function publisher(attrs: Record<string, string | number>): RtmpPublisher {
  const el = document.createElement('rtmp-publisher');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.addEventListener('error', (e) => {
    e.stopPropagation();
    console.log('error', JSON.stringify((e as unknown as CustomEvent).detail));
  });
  document.body.append(el);
  return el;
}

function cpuOf(threads: Record<string, number>, prefix: string): number {
  let s = 0;
  for (const [name, sec] of Object.entries(threads)) if (name.startsWith(prefix)) s += sec;
  return s;
}

describe('publisher bench', () => {
  it('720p30: CPU and latency', async () => {
    const server = await cmd<{ id: string; port: number; url: string }>('peers-start-server', { kind: 'nginx' });
    const bridge = await cmd<{ id: string; url: string }>('peers-start-bridge', { allow: [`127.0.0.1:${server.port}`] });
    const el = publisher({ url: server.url, 'stream-key': 'bench', bridge: bridge.url, width: 1280, height: 720, framerate: 30, 'video-bitrate': 2500 });
    await el.start();
    await sleep(5000);
    const before = await cmd<Record<string, number>>('peers-cpu-threads', { pattern: 'chromium' });
    const t0 = performance.now();
    const samples: Diagnostics[] = [];
    const fps: number[] = [];
    const kbps: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sleep(1000);
      samples.push({ ...diag(el) });
      fps.push(el.stats.fps);
      kbps.push(el.stats.bitrateKbps);
    }
    const after = await cmd<Record<string, number>>('peers-cpu-threads', { pattern: 'chromium' });
    const wall = (performance.now() - t0) / 1000;
    const pct = (prefix: string) => (((cpuOf(after, prefix) - cpuOf(before, prefix)) / wall) * 100).toFixed(1);
    const top = Object.keys(after)
      .filter((k) => !k.startsWith('process:'))
      .map((k) => [k, ((after[k]! - (before[k] ?? 0)) / wall) * 100] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `${k} ${v.toFixed(1)}%`)
      .join(', ');
    console.log(
      [
        `720p30 camera → nginx-rtmp, 2500 kbps, ${wall.toFixed(1)} s:`,
        `  sent ${median(kbps)} kbps median, ${median(fps)} fps median, codec ${el.stats.videoCodec} + ${el.stats.audioCodec}`,
        `  worker threads (DedicatedWorker: publisher worker + WASM AAC worker): ${pct('DedicatedWorker')}% of one core`,
        `  our code in the publisher worker: ${median(samples.map((s) => s.workerBusyPercent))}% (median per second)`,
        `  renderer process in total (page, workers, encoder threads): ${pct("process:renderer")}% of one core`,
        `  busiest Chromium threads: ${top}`,
        `  latency capture → encoded: ${median(samples.map((s) => s.encodeLatencyMs))} ms median`,
        `  latency muxer → out of the WebSocket buffer: ${median(samples.map((s) => s.sendLatencyMs))} ms median (includes up to 60 ms waiting to interleave with the WASM AAC track; measured per video frame, so ± one frame time)`,
      ].join('\n'),
    );
    el.stop();
    el.remove();
    await cmd('peers-stop', { id: bridge.id });
    await cmd('peers-stop', { id: server.id });
  });

  it('bitrate under a 500 kbps throttle', async () => {
    const server = await cmd<{ id: string; port: number; url: string }>('peers-start-server', { kind: 'nginx' });
    const proxy = await cmd<{ id: string; port: number }>('peers-throttle-proxy', { port: server.port, kbps: 0 });
    const bridge = await cmd<{ id: string; url: string }>('peers-start-bridge', { allow: [`127.0.0.1:${proxy.port}`] });
    const src = noiseSource(640, 360, 30);
    const el = publisher({ url: `rtmp://127.0.0.1:${proxy.port}/live`, 'stream-key': 'bench', bridge: bridge.url, width: 640, height: 360, framerate: 30, 'video-bitrate': 4000 });
    await el.start(src.stream);
    const lines = ['t(s) link(kbps) target(kbps) sent(kbps) fps dropped queue(ms) queued(bytes)'];
    const t0 = performance.now();
    let link = 0;
    for (let i = 0; i < 75; i++) {
      if (i === 5) await cmd('peers-throttle-set', { id: proxy.id, kbps: (link = 500) });
      if (i === 45) await cmd('peers-throttle-set', { id: proxy.id, kbps: (link = 0) });
      await sleep(1000);
      const s = el.stats;
      const d = diag(el);
      lines.push(`${((performance.now() - t0) / 1000).toFixed(0)} ${link || '∞'} ${d.targetKbps} ${s.bitrateKbps} ${s.fps} ${s.framesDropped} ${s.queueMs} ${d.queuedBytes}`);
    }
    console.log(`4000 kbps noise through a proxy limited to 500 kbps from 5 s to 45 s:\n${lines.join('\n')}`);
    el.stop();
    el.remove();
    await src.stop();
    for (const id of [bridge.id, proxy.id, server.id]) await cmd('peers-stop', { id });
  });
});
