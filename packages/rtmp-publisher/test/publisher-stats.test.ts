import { describe, expect, it } from 'vitest';
import { PublisherMeter, type MeterReading } from '../src/publisher-stats.ts';

const reading = (o: Partial<MeterReading> = {}): MeterReading => ({
  state: 'publishing',
  bytesSent: 0,
  bufferedAmount: 0,
  muxerQueuedBytes: 0,
  muxerDropped: 0,
  queueMs: 0,
  targetBps: 0,
  videoCodec: 'avc1.42E01F',
  audioCodec: 'mp4a.40.2',
  reconnects: 0,
  audioSkippedMs: 0,
  ...o,
});

describe('PublisherMeter', () => {
  it('reports rates over the second since the last report, counting only bytes that left the buffer', () => {
    const m = new PublisherMeter(0);
    for (let i = 1; i <= 30; i++) m.videoSent(i * 1000, 0);
    m.framesEncoded = 31;
    m.framesDropped = 1;
    const { stats } = m.report(1000, reading({ bytesSent: 150_000, bufferedAmount: 25_000, muxerDropped: 2 }));
    expect(stats.bytesSent).toBe(125_000);
    expect(stats.bitrateKbps).toBe(1000);
    expect(stats.fps).toBe(30);
    expect(stats.framesDropped).toBe(3);
    // The next second: only what is new.
    m.videoSent(31_000, 1000);
    const next = m.report(2000, reading({ bytesSent: 250_000, bufferedAmount: 0 })).stats;
    expect(next.bitrateKbps).toBe(1000);
    expect(next.fps).toBe(1);
  });

  it('times a tag from the muxer until its last byte drained, and gives medians per second', () => {
    const m = new PublisherMeter(0);
    m.videoSent(1000, 10);
    m.videoSent(2000, 20);
    m.drained(1500, 50); // the first tag is out: 40 ms
    m.drained(2000, 80); // the second: 60 ms
    for (const ms of [5, 7, 100]) m.encodeLatency(ms);
    m.audioLatency(48);
    m.busy(250);
    const { stats, diagnostics } = m.report(1000, reading({ bufferedAmount: 10, muxerQueuedBytes: 5, targetBps: 800_400 }));
    expect(diagnostics.sendLatencyMs).toBe(60);
    expect(diagnostics.encodeLatencyMs).toBe(7);
    expect(stats.audioLatencyMs).toBe(48);
    expect(diagnostics.workerBusyPercent).toBe(25);
    expect(diagnostics.queuedBytes).toBe(15);
    expect(diagnostics.targetKbps).toBe(800);
    const empty = m.report(2000, reading()).diagnostics;
    expect(empty.sendLatencyMs).toBe(0);
    expect(empty.workerBusyPercent).toBe(0);
  });
});
