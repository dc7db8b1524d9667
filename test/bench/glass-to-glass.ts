/**
 * `npm run bench`: glass-to-glass latency of `<rtmp-player>` beside
 * mpegts.js and FFmpeg, on loopback, in one run. What is measured and what
 * limits each number: docs/performance.md.
 *
 * Two publishers send a 640 × 360, 30 fps picture carrying `Date.now()` as
 * a timecode (web/src/frame-timecode.ts) to node-media-server:
 * `<rtmp-publisher>` in one headless Chromium page (a timer-driven canvas,
 * captureStream, through the bridge) and FFmpeg fed raw frames from Node.
 * Each runs with a 440 Hz tone and without audio. For each, one player at a
 * time plays it and the code is read back from what it displays:
 * `<rtmp-player>` (latency auto, 0, 300, 1000), mpegts.js over WS-FLV and
 * FFmpeg as a native player. Then time to first frame, ≥ 5 starts each of
 * `<rtmp-player>` and mpegts.js. Prints two tables, writes
 * test-output/bench/glass-to-glass.json. No timing thresholds; exits 1 when
 * something could not be measured at all.
 *
 * Options: `--measure S` (seconds measured per cell, default 8),
 * `--settle S` (seconds after the first frame before measuring, default 3),
 * `--starts N` (time-to-first-frame starts per player, default 6).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { createBridge } from '../../bridge/src/index.ts';
import { launchChromium, type LaunchedChromium } from '../demo/chromium.ts';
import { startNodeMediaServer, type NodeMediaServerPeer } from '../peers/node-media-server.ts';
import { BENCH_VIDEO, type DisplayMeasurement, type MeasureTiming } from './bench-protocol.ts';
import { startBenchSite, type BenchSite } from './bench-site.ts';
import { Cleanup } from './cleanup.ts';
import { measureFfmpegPlayer, referencePublisherArgs, startReferencePublisher, type ReferencePublisher } from './ffmpeg-reference.ts';
import { firstFrameTable, latencyTable, summarize, type CellResult, type FirstFrameRun, type PlayerName, type SourceName } from './latency-report.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, 'test-output/bench');

/** The command line. */
interface BenchOptions {
  measureMs: number;
  settleMs: number;
  starts: number;
  /** `--only first-frame`: the time-to-first-frame starts alone (about a minute). */
  firstFrameOnly: boolean;
}

/** Reads `--measure S`, `--settle S`, `--starts N` and `--only first-frame`; throws a TypeError naming a bad one. */
function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { measureMs: 8000, settleMs: 3000, starts: 6, firstFrameOnly: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, text] = [argv[i], argv[i + 1]];
    const value = Number(text);
    const bad = () => new TypeError(`${flag}: expected a number, got ${String(text)}`);
    if (flag === '--measure') {
      if (!(value > 0)) throw bad();
      o.measureMs = value * 1000;
    } else if (flag === '--settle') {
      if (!(value >= 0)) throw bad();
      o.settleMs = value * 1000;
    } else if (flag === '--starts') {
      if (!(Number.isInteger(value) && value > 0)) throw bad();
      o.starts = value;
    } else if (flag === '--only') {
      if (text !== 'first-frame') throw new TypeError(`--only: expected first-frame, got ${String(text)}`);
      o.firstFrameOnly = true;
    } else {
      throw new TypeError(`unknown option ${String(flag)} (known: --measure S, --settle S, --starts N, --only first-frame)`);
    }
  }
  return o;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The players, in table order, with their `latency` attribute where it is ours. */
const PLAYERS: { name: PlayerName; latency?: 'auto' | number }[] = [
  { name: 'ffmpeg' },
  { name: 'rtmp-player auto', latency: 'auto' },
  { name: 'rtmp-player 0', latency: 0 },
  { name: 'rtmp-player 300', latency: 300 },
  { name: 'rtmp-player 1000', latency: 1000 },
  { name: 'mpegts.js' },
];

/** A page of the bench site, with its errors kept for the report. */
async function openBenchPage(chromium: LaunchedChromium, site: BenchSite, pageErrors: string[], label: string): Promise<Page> {
  const page = await chromium.browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${label}: ${String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`${label} console: ${m.text()}`);
  });
  await page.goto(site.url);
  await page.waitForFunction(() => window.benchPage !== undefined, { timeout: 30_000 });
  return page;
}

/** One-line progress for a cell. */
function progress(source: SourceName, audio: boolean, player: PlayerName, m: DisplayMeasurement): string {
  const sorted = [...m.latenciesMs].sort((a, b) => a - b);
  const med = sorted[sorted.length >> 1];
  return `  ${source} ${audio ? '+tone' : 'video only'} → ${player}: ${m.latenciesMs.length} frames, median ${med === undefined ? '—' : Math.round(med)} ms, join age ${m.joinAgeMs === null ? '—' : Math.round(m.joinAgeMs)} ms${m.errors.length > 0 ? `, errors: ${m.errors.slice(0, 3).join('; ')}` : ''}`;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  // Before the build: what it builds.
  const git = gitState();
  const t0 = performance.now();
  const cleanup = new Cleanup();
  const pageErrors: string[] = [];
  const cells: CellResult[] = [];
  const firstFrames: FirstFrameRun[] = [];
  const problems: string[] = [];
  const load = [loadavg()];
  let chromiumVersion = '';
  let autoLatency = false;
  try {
    console.log('bench: building the page, starting node-media-server, the bridge and Chromium…');
    const nms: NodeMediaServerPeer = await startNodeMediaServer();
    cleanup.add(() => nms.stop());
    const bridge = createBridge({ allow: [`127.0.0.1:${nms.port}`], log: false });
    const bridgeAddress = await bridge.listen(0, '127.0.0.1');
    cleanup.add(() => bridge.close({ drainTimeoutMs: 200 }));
    const bridgeUrl = `ws://127.0.0.1:${bridgeAddress.port}/`;
    const site = await startBenchSite();
    cleanup.add(() => site.close());
    const chromium = await launchChromium([
      // The publisher's page is not in front: keep its timers and rendering at full rate.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ]);
    cleanup.add(() => chromium.close());
    chromiumVersion = await chromium.browser.version();
    const publisherPage = await openBenchPage(chromium, site, pageErrors, 'publisher page');
    const playerPage = await openBenchPage(chromium, site, pageErrors, 'player page');
    await playerPage.bringToFront();
    autoLatency = await playerPage.evaluate(() => window.benchPage.playerHasAutoLatency());
    if (!autoLatency) console.log('bench: this <rtmp-player> has no latency="auto"; the "auto" rows run its default');
    console.log(`bench: ready after ${Math.round((performance.now() - t0) / 1000)} s`);

    const timing: MeasureTiming = { settleMs: options.settleMs, measureMs: options.measureMs, firstFrameTimeoutMs: 15_000 };
    const sources = options.firstFrameOnly ? (['rtmp-publisher'] as const) : (['rtmp-publisher', 'ffmpeg'] as const);
    for (const source of sources) {
      for (const audio of options.firstFrameOnly ? [true] : [true, false]) {
        const name = `g2g-${source === 'ffmpeg' ? 'ff' : 'web'}-${audio ? 'av' : 'v'}`;
        const rtmpUrl = `${nms.url}/${name}`;
        console.log(`bench: ${source} ${audio ? 'with a tone' : 'video only'} → ${rtmpUrl}`);
        let reference: ReferencePublisher | undefined;
        if (source === 'ffmpeg') reference = startReferencePublisher(rtmpUrl, audio, 30 * 60_000);
        else await publisherPage.evaluate((o) => window.benchPage.startPublisher(o), { url: nms.url, streamKey: name, bridge: bridgeUrl, audio });
        try {
          await sleep(2000); // a full GOP in the server's cache, and the encoder past its start
          for (const p of options.firstFrameOnly ? [] : PLAYERS) {
            let m: DisplayMeasurement;
            if (p.name === 'ffmpeg') m = await measureFfmpegPlayer(rtmpUrl, timing);
            else if (p.name === 'mpegts.js') {
              m = await playerPage.evaluate((o) => window.benchPage.measureMpegts(o), {
                ...timing, url: `ws://127.0.0.1:${nms.httpPort}/live/${name}.flv`, hasAudio: audio,
              });
            } else {
              m = await playerPage.evaluate((o) => window.benchPage.measureRtmpPlayer(o), {
                ...timing, src: rtmpUrl, bridge: bridgeUrl, latency: p.latency ?? 'auto',
              });
            }
            cells.push({ source, audio, player: p.name, measurement: m });
            console.log(progress(source, audio, p.name, m));
            if (m.latenciesMs.length === 0) problems.push(`${source} ${audio ? '+tone' : 'video only'} → ${p.name}: no frame measured (${m.errors.join('; ') || 'no error reported'})`);
            await sleep(500);
          }

          // Time to first frame: the browser publisher with a tone, the case a page meets.
          if (source === 'rtmp-publisher' && audio) {
            const starts: { player: PlayerName; start: FirstFrameRun['start'] }[] = [
              { player: 'rtmp-player auto', start: 'created' },
              { player: 'rtmp-player auto', start: 'waited' },
              { player: 'mpegts.js', start: 'created' },
            ];
            for (const { player, start } of starts) {
              const run: FirstFrameRun = { player, start, firstFrameMs: [], joinAgeMs: [], startup: [] };
              for (let i = 0; i < options.starts; i++) {
                const once = { settleMs: 0, measureMs: 0, firstFrameTimeoutMs: 15_000 };
                const m = player === 'mpegts.js'
                  ? await playerPage.evaluate((o) => window.benchPage.measureMpegts(o), { ...once, url: `ws://127.0.0.1:${nms.httpPort}/live/${name}.flv`, hasAudio: audio })
                  : await playerPage.evaluate((o) => window.benchPage.measureRtmpPlayer(o), {
                      ...once, src: rtmpUrl, bridge: bridgeUrl, latency: 'auto' as const, ...(start === 'waited' ? { playAfterMs: 1000 } : {}),
                    });
                run.firstFrameMs.push(m.firstFrameMs);
                run.joinAgeMs.push(m.joinAgeMs);
                if (m.player.startup !== undefined) run.startup.push(m.player.startup);
                // Land at different points of the 2 s GOP.
                await sleep(300 + ((i * 700) % 1900));
              }
              firstFrames.push(run);
              const ok = run.firstFrameMs.filter((x) => x !== null);
              console.log(`  time to first frame, ${player}${start === 'waited' ? ' (play() 1 s after insertion)' : ''}: ${run.firstFrameMs.map((x) => (x === null ? 'timeout' : Math.round(x))).join(', ')} ms`);
              if (ok.length === 0) problems.push(`time to first frame, ${player}: no start showed a readable frame`);
            }
          }
        } finally {
          if (reference) {
            const written = reference.framesWritten();
            await reference.stop();
            if (written === 0) problems.push(`FFmpeg publisher wrote no frame: ${reference.log().slice(-500)}`);
          } else {
            await publisherPage.evaluate(() => window.benchPage.stopPublisher());
          }
          load.push(loadavg());
        }
      }
    }
  } catch (e) {
    problems.push(`the run failed: ${(e as Error).stack ?? String(e)}`);
  } finally {
    await cleanup.run();
  }

  const elapsedS = Math.round((performance.now() - t0) / 1000);
  const summaries = summarize(cells);
  const latency = latencyTable(cells, summaries);
  const ttff = firstFrameTable(firstFrames);
  console.log(`\nGlass-to-glass latency (${BENCH_VIDEO.width}×${BENCH_VIDEO.height} @ ${BENCH_VIDEO.fps} fps, ${options.measureMs / 1000} s per cell after ${options.settleMs / 1000} s settling), ${startedAt.toISOString()}:\n`);
  console.log(latency);
  console.log(`\nTime to first frame (rtmp-publisher with a tone; ${options.starts} starts each):\n`);
  console.log(ttff);
  console.log(`\ncommit ${git.commit.slice(0, 10)}${git.uncommitted.length > 0 ? ` + ${git.uncommitted.length} uncommitted file(s) under packages/ and web/` : ''}; elapsed ${elapsedS} s; load average ${load.map((l) => l[0]!.toFixed(2)).join(' → ')} on ${cpus().length} cores`);

  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'glass-to-glass.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: startedAt.toISOString(),
        elapsedS,
        options,
        video: BENCH_VIDEO,
        environment: {
          node: process.version,
          chromium: chromiumVersion,
          ffmpeg: ffmpegVersion(),
          ...git,
          cores: cpus().length,
          loadAverage1m: load.map((l) => l[0]),
          rtmpPlayerHasAutoLatency: autoLatency,
        },
        referencePublisherArgs: referencePublisherArgs('rtmp://127.0.0.1:PORT/live/NAME', true),
        cells: cells.map((c, i) => ({ ...c, summary: summaries[i] })),
        firstFrames,
        tables: { latency, firstFrame: ttff },
        pageErrors,
        problems,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${file}`);
  if (pageErrors.length > 0) console.log(`page errors (${pageErrors.length}):\n  ${pageErrors.slice(0, 10).join('\n  ')}`);
  if (problems.length > 0) {
    console.error(`\nbench: could not measure everything:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  return 0;
}

/** The commit measured, and the files under packages/ and web/ that differed from it (other work in progress gets built in too). */
function gitState(): { commit: string; uncommitted: string[] } {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
    return { commit: git('rev-parse', 'HEAD').trim(), uncommitted: git('status', '--porcelain', '--', 'packages', 'web').split('\n').filter((l) => l !== '') };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

/** FFmpeg's first version line, for the record. */
function ffmpegVersion(): string {
  try {
    return execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    return 'unknown';
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
