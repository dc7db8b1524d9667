/**
 * A bridge in a process of its own, for the benchmark: its RSS is then the
 * bridge's alone. Started by bench-bridge.ts with `fork`; options come as
 * JSON in argv[2]; answers `measure` and `close` messages over IPC.
 */
import { createBridge, type BridgeOptions } from '../src/index.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as BridgeOptions;
const bridge = createBridge({ ...options, log: false });
const { port } = await bridge.listen(0, '127.0.0.1');
process.send?.({ type: 'ready', port });

const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', (message: { type: string }) => {
  if (message.type === 'measure') {
    gc?.();
    setTimeout(() => {
      gc?.();
      const stats = bridge.stats();
      let buffered = 0;
      let peak = 0;
      let paused = 0;
      for (const c of stats.connections) {
        buffered += c.bufferedToClient + c.bufferedToTarget;
        peak = Math.max(peak, c.peakBufferedToClient);
        if (c.targetPaused) paused++;
      }
      process.send?.({
        type: 'measure',
        rss: process.memoryUsage().rss,
        heapUsed: process.memoryUsage().heapUsed,
        active: stats.active,
        buffered,
        peakBufferedToClient: peak,
        paused,
      });
    }, 50);
  } else if (message.type === 'close') {
    void bridge.close({ drainTimeoutMs: 100 }).then(() => process.exit(0));
  }
});
