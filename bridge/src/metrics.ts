/**
 * Prometheus metrics for one bridge, in a registry of its own (never the
 * global one), so several bridges can live in one process (tests, benchmarks).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metrics one bridge updates. Names are prefixed `rtmp_bridge_`. */
export interface BridgeMetrics {
  /** The registry `/metrics` serves. */
  readonly registry: Registry;
  /** Bridged connections open now. */
  readonly connectionsActive: Gauge;
  /** Upgrade requests by outcome: `accepted` or a refusal reason. */
  readonly upgrades: Counter<'result'>;
  /** Closed bridged connections by close reason. */
  readonly closes: Counter<'reason'>;
  /** How long bridged connections lasted. */
  readonly duration: Histogram;
}

/** Options for {@link createBridgeMetrics}. */
export interface BridgeMetricsOptions {
  /** Also collect Node process metrics (CPU, memory, event loop lag) into this registry. */
  collectDefault: boolean;
  /** Called at scrape time: bytes buffered in the bridge, summed over connections. */
  bufferedBytes: () => { toClient: number; toTarget: number };
  /** Called at scrape time: payload bytes bridged since start, closed connections included. */
  bytesTotal: () => { toClient: number; toTarget: number };
}

/** Creates the metrics of one bridge in a fresh registry. */
export function createBridgeMetrics(options: BridgeMetricsOptions): BridgeMetrics {
  const registry = new Registry();
  if (options.collectDefault) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'rtmp_bridge_buffered_bytes',
    help: 'Bytes buffered in the bridge, summed over connections, by direction.',
    labelNames: ['direction'],
    registers,
    collect() {
      const { toClient, toTarget } = options.bufferedBytes();
      this.set({ direction: 'to_client' }, toClient);
      this.set({ direction: 'to_target' }, toTarget);
    },
  });
  // Bytes are summed at scrape time from per-connection counters: a labelled
  // counter update per chunk would cost more than the bridging itself.
  new Counter({
    name: 'rtmp_bridge_bytes_total',
    help: 'Payload bytes bridged, by direction (to_target, to_client).',
    labelNames: ['direction'],
    registers,
    collect() {
      const { toClient, toTarget } = options.bytesTotal();
      this.reset();
      this.inc({ direction: 'to_client' }, toClient);
      this.inc({ direction: 'to_target' }, toTarget);
    },
  });
  return {
    registry,
    connectionsActive: new Gauge({
      name: 'rtmp_bridge_connections_active',
      help: 'Bridged connections open now.',
      registers,
    }),
    upgrades: new Counter({
      name: 'rtmp_bridge_upgrades_total',
      help: 'WebSocket upgrade requests by result: accepted, or the refusal reason.',
      labelNames: ['result'],
      registers,
    }),
    closes: new Counter({
      name: 'rtmp_bridge_closes_total',
      help: 'Closed bridged connections by reason.',
      labelNames: ['reason'],
      registers,
    }),
    duration: new Histogram({
      name: 'rtmp_bridge_connection_duration_seconds',
      help: 'Duration of bridged connections.',
      buckets: [1, 10, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600],
      registers,
    }),
  };
}
