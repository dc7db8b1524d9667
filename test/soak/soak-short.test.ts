/**
 * The short soak in `npm test`: the same run as `npm run soak` (two
 * node-media-server instances, the proxies, the bridge as a child process,
 * a publisher tab and a player tab in Chromium), 2 minutes with every fault
 * kind once, with shorter holds than the soak's (SHORT_HOLDS: a 5 s stall,
 * 6 s at a quarter of the bandwidth, the tab hidden 5 s) so all eight fit.
 * Only functional outcomes are asserted: no worker death, no uncaught error,
 * every fault recovered (a new frame on the player's screen, the publisher
 * publishing), frames shown after each. The timing bar (recovery ≤ 3 s,
 * delay, memory) is read from `npm run soak`'s output, not asserted here;
 * this run's verdict is written to test-output/soak/soak-short-nms.json.
 */
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, SHORT_HOLDS } from './fault-schedule.ts';
import { writeSoakOutput } from './soak-output.ts';
import { judgeSoak } from './soak-report.ts';
import { runSoak } from './soak-run.ts';

describe('short soak (2 minutes, every fault kind once)', () => {
  it('node-media-server: every fault recovers, no worker death, no uncaught error', async () => {
    const run = await runSoak({ durationS: 120, server: 'nms', warmupS: 16, slotS: 13, holds: SHORT_HOLDS, log: () => undefined });
    const verdict = judgeSoak(run);
    writeSoakOutput('soak-short-nms', run, verdict);

    expect(run.faults.map((f) => f.kind)).toEqual([...FAULT_KINDS]);
    expect(verdict.workerDeaths).toEqual([]);
    expect(verdict.uncaughtErrors).toEqual([]);
    for (const f of run.faults) {
      expect({ kind: f.kind, recovered: f.recoveredAt !== null }).toEqual({ kind: f.kind, recovered: true });
      // Frames with a readable code shown between the recovery and the end of the slot.
      const shown = run.samples.filter((s) => s.t > f.recoveredAt! && s.t <= f.slotEnd).reduce((n, s) => n + (s.player?.delaysMs.length ?? 0), 0);
      expect({ kind: f.kind, framesAfter: shown > 0 }).toEqual({ kind: f.kind, framesAfter: true });
    }
  }, 240_000);
});
