/**
 * `npm run soak -- --minutes N`: a publisher tab and a player tab in
 * Chromium, two real RTMP servers, the bridge, and a scripted fault every
 * minute in rotation (fault-schedule.ts), sampled every second
 * (soak-recorder.ts); prints the tables and each criterion of the bar with
 * its measured value and PASS/FAIL (soak-report.ts), writes
 * test-output/soak/soak-<server>-<N>min.json and .svg, and exits 1 when a
 * criterion fails (2 on a bad command line). What it measures:
 * docs/performance.md, "Soak".
 *
 * Options: `--minutes N` (default 10), `--server nms|nginx` (default nms:
 * node-media-server; nginx: nginx-rtmp), `--slot S` (seconds between
 * faults, default 60), `--warmup S` (seconds before the first, default 60).
 * `--plot FILE.json`: only draws a written run's SVG again, beside it (after
 * a change to the plot).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { SOAK_HOLDS } from './fault-schedule.ts';
import { writeSoakOutput } from './soak-output.ts';
import { criteriaLines, faultTable, judgeSoak, memoryTable } from './soak-report.ts';
import { soakPlot } from './soak-plot.ts';
import { runSoak, type SoakRun } from './soak-run.ts';
import type { SoakServerKind } from './soak-stack.ts';

/** The command line. */
interface SoakCommand {
  minutes: number;
  server: SoakServerKind;
  slotS: number;
  warmupS: number;
}

/** Reads the options; throws a TypeError naming a bad one. */
function parseOptions(argv: string[]): SoakCommand {
  const o: SoakCommand = { minutes: 10, server: 'nms', slotS: 60, warmupS: 60 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, text] = [argv[i], argv[i + 1]];
    const value = Number(text);
    const bad = () => new TypeError(`${flag}: expected a positive number, got ${String(text)}`);
    if (flag === '--minutes') {
      if (!(value > 0)) throw bad();
      o.minutes = value;
    } else if (flag === '--slot') {
      if (!(value >= 10)) throw new TypeError(`--slot: expected at least 10 s, got ${String(text)}`);
      o.slotS = value;
    } else if (flag === '--warmup') {
      if (!(value > 0)) throw bad();
      o.warmupS = value;
    } else if (flag === '--server') {
      if (text !== 'nms' && text !== 'nginx') throw new TypeError(`--server: expected nms or nginx, got ${String(text)}`);
      o.server = text;
    } else {
      throw new TypeError(`unknown option ${String(flag)} (known: --minutes N, --server nms|nginx, --slot S, --warmup S)`);
    }
  }
  return o;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** `--plot FILE.json`: the run's SVG drawn again from its JSON, written beside it. */
function replot(file: string): number {
  const { run } = JSON.parse(readFileSync(file, 'utf8')) as { run: SoakRun };
  const svg = file.replace(/\.json$/, '') + '.svg';
  writeFileSync(svg, soakPlot(run, judgeSoak(run)));
  console.log(`wrote ${svg}`);
  return 0;
}

async function main(): Promise<number> {
  if (process.argv[2] === '--plot' && process.argv[3] !== undefined) return replot(process.argv[3]);
  let cmd: SoakCommand;
  try {
    cmd = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`soak: ${(e as Error).message}`);
    return 2;
  }
  const commit = gitCommit();
  const run = await runSoak({ durationS: Math.round(cmd.minutes * 60), server: cmd.server, warmupS: cmd.warmupS, slotS: cmd.slotS, holds: SOAK_HOLDS, log: (l) => console.log(l) });
  const verdict = judgeSoak(run);
  const { json, svg } = writeSoakOutput(`soak-${cmd.server}-${cmd.minutes}min`, run, verdict, { command: `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim(), commit });
  console.log(`\nSoak, ${cmd.server === 'nms' ? 'node-media-server' : 'nginx-rtmp'}, ${cmd.minutes} min from ${run.startedAt} (commit ${commit.slice(0, 10)}; load average ${run.environment.loadAverage1m.map((l) => l.toFixed(2)).join(' → ')} on ${run.environment.cores} cores):\n`);
  console.log(faultTable(verdict));
  console.log('');
  console.log(memoryTable(verdict));
  console.log(`\nElement error events (non-fatal ones come with the faults): ${Object.entries(verdict.errorCounts).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}`);
  if (verdict.uncaughtErrors.length > 0) console.log(`Uncaught errors:\n  ${verdict.uncaughtErrors.slice(0, 10).join('\n  ')}`);
  if (verdict.workerDeaths.length > 0) console.log(`Worker deaths:\n  ${verdict.workerDeaths.slice(0, 10).join('\n  ')}`);
  console.log(`\n${criteriaLines(verdict)}\n`);
  console.log(`wrote ${json}\nwrote ${svg}`);
  console.log(verdict.pass ? 'soak: PASS' : 'soak: FAIL (see above)');
  return verdict.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
