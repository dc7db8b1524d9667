#!/usr/bin/env node
/**
 * `npm test`'s preflight (the `pretest` script): makes sure the real peers
 * the tests use are on this machine, so `npm test` never runs half a suite
 * silently.
 *
 * Checked: nginx and its RTMP module, FFmpeg/ffprobe with every encoder,
 * decoder and lavfi source the tests name, GStreamer (gst-launch-1.0 and
 * every element its test pipelines name, rtmp2sink/rtmp2src among them),
 * Chromium (`CHROMIUM_PATH` when set, else Debian's /usr/bin/chromium),
 * Firefox ESR (`FIREFOX_PATH` when set, else Debian's /usr/bin/firefox-esr),
 * python3 (the throttle proxy) and openssl (test certificates).
 *
 * - Everything there: silent, exit 0.
 * - Missing, root, apt-get on PATH: installs the missing Debian packages
 *   (apt-get update, apt-get install -y), checks again, exit 0 or 1.
 * - Missing, not root (or `--no-install`), apt-get on PATH: prints the
 *   exact apt-get command, exit 1.
 * - Missing, no apt-get: prints what to install, item by item (what the
 *   tests look for, and the Debian package that has it), exit 1.
 *
 *   node scripts/system-deps.mjs [--no-install]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * FFmpeg encoders the tests ask for with `-c:a`/`-c:v` (grep packages/*\/test,
 * test/ and the benches; the Enhanced RTMP v2 tests use node-av's own FFmpeg
 * 8.1 instead, not this one).
 */
const FFMPEG_ENCODERS = [
  'libx264', 'flv', 'libx265', 'libaom-av1', 'libvpx-vp9', 'rawvideo',
  'aac', 'libmp3lame', 'libopus', 'libspeex', 'nellymoser', 'adpcm_swf',
  'pcm_alaw', 'pcm_mulaw', 'pcm_s16le', 'flac', 'ac3', 'eac3',
];
/** Decoders the tests compare ours against (`-c:a libspeex -i …`), or read FFmpeg's output with. */
const FFMPEG_DECODERS = ['libspeex', 'nellymoser', 'h264', 'aac'];
/** lavfi sources the tests generate media from (`-f lavfi -i testsrc2=…`). */
const FFMPEG_FILTERS = ['testsrc2', 'sine', 'color'];
/**
 * GStreamer elements test/peers/gstreamer.ts's pipelines name, by the Debian
 * package that has them (gst-launch-1.0 and gst-inspect-1.0 come with
 * gstreamer1.0-tools; fakesink and queue with the core library it pulls in).
 */
const GST_ELEMENTS = {
  'gstreamer1.0-plugins-base': ['videotestsrc', 'audiotestsrc', 'audioconvert', 'audioresample'],
  'gstreamer1.0-plugins-good': ['flvmux', 'flvdemux', 'aacparse'],
  'gstreamer1.0-plugins-bad': ['rtmp2sink', 'rtmp2src', 'h264parse'],
  'gstreamer1.0-plugins-ugly': ['x264enc'],
  'gstreamer1.0-libav': ['avenc_aac', 'avdec_h264', 'avdec_aac'],
};
/** Where test/peers/nginx-rtmp.ts loads the RTMP module from (Debian's path). */
const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
/** Debian's Chromium, used unless `CHROMIUM_PATH` names another. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** Debian's Firefox ESR, used unless `FIREFOX_PATH` names another (the browser suite's Firefox run). */
const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

/** True if `path` is a file (following links). */
function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** True if `path` is a file this process may execute. */
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return isFile(path);
  } catch {
    return false;
  }
}

/** The absolute path of `command` on `PATH`, or undefined. */
function which(command, env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** The names in one of `ffmpeg -encoders`/`-decoders`/`-filters`' listings. */
function ffmpegList(ffmpeg, what) {
  const out = spawnSync(ffmpeg, ['-hide_banner', `-${what}`], { encoding: 'utf8', timeout: 20_000 });
  if (out.status !== 0) return undefined;
  // " V....D libx264   libx264 H.264 …" (encoders, decoders); " ... testsrc2  |->V  …" (filters).
  const line = what === 'filters' ? /^ [T.][S.][C.] (\S+)\s/ : /^ [VAS][A-Z.]{5} (\S+)\s/;
  return new Set(out.stdout.split('\n').flatMap((l) => line.exec(l)?.[1] ?? []));
}

/** The element names in `gst-inspect-1.0`'s listing ("rtmp2:  rtmp2sink: RTMP sink element"), or undefined if it failed. */
function gstElements(gstInspect) {
  // The first run on a machine builds GStreamer's plugin registry: give it time.
  const out = spawnSync(gstInspect, [], { encoding: 'utf8', timeout: 60_000 });
  if (out.status !== 0) return undefined;
  return new Set(out.stdout.split('\n').flatMap((l) => /^[\w-]+:\s+([\w-]+): /.exec(l)?.[1] ?? []));
}

/**
 * A check of GStreamer's elements `names`: what is missing, or undefined.
 * `listing` lists the elements once for every check that asks.
 */
function gstProblem(env, names, listing) {
  const gstInspect = which('gst-inspect-1.0', env);
  if (gstInspect === undefined) return { text: `no gst-inspect-1.0 on PATH to look for ${names.join(', ')}`, apt: true };
  const have = listing(gstInspect);
  if (have === undefined) return { text: `${gstInspect} failed`, apt: false };
  const missing = names.filter((n) => !have.has(n));
  return missing.length === 0 ? undefined : { text: `GStreamer lacks the elements ${missing.join(', ')}`, apt: true };
}

/**
 * What FFmpeg lacks, as one sentence, or undefined. `apt` says whether
 * installing Debian's ffmpeg would fix it (it would not if another ffmpeg
 * comes first on PATH).
 */
function ffmpegProblem(env) {
  const ffmpeg = which('ffmpeg', env);
  const ffprobe = which('ffprobe', env);
  if (ffmpeg === undefined || ffprobe === undefined) {
    return { text: `no ${ffmpeg === undefined ? 'ffmpeg' : 'ffprobe'} on PATH`, apt: true };
  }
  const lacks = [];
  for (const [what, names] of [['encoders', FFMPEG_ENCODERS], ['decoders', FFMPEG_DECODERS], ['filters', FFMPEG_FILTERS]]) {
    const have = ffmpegList(ffmpeg, what);
    if (have === undefined) return { text: `${ffmpeg} -${what} failed`, apt: false };
    const missing = names.filter((n) => !have.has(n));
    if (missing.length > 0) lacks.push(`${what} ${missing.join(', ')}`);
  }
  if (lacks.length === 0) return undefined;
  return { text: `${ffmpeg} lacks ${lacks.join('; ')} (Debian's ffmpeg has them all)`, apt: false };
}

/**
 * A browser's requirement: the executable `envVar` names when set (no Debian
 * package then: it is the user's own), else Debian's at `debianPath`.
 */
function browser(env, name, envVar, debianPath, debian) {
  const own = env[envVar];
  if (own !== undefined && own !== '') {
    return {
      need: `${name} at ${envVar} (${own})`,
      debian: undefined,
      check: () => (isExecutable(own) ? undefined : { text: `${envVar}=${own} is not an executable file`, apt: false }),
    };
  }
  return {
    need: `${name} at ${debianPath}, or anywhere with ${envVar} set to its executable`,
    debian,
    check: () => (isExecutable(debianPath) ? undefined : { text: `no ${debianPath} (and ${envVar} is not set)`, apt: true }),
  };
}

/**
 * Every requirement: what it is, the Debian package that provides it (none
 * when `CHROMIUM_PATH` or `FIREFOX_PATH` names a browser of the user's own), and a check that
 * returns what is wrong, or undefined.
 */
function requirements(env) {
  const onPath = (command) => () => (which(command, env) === undefined ? { text: `no ${command} on PATH`, apt: true } : undefined);
  let elements;
  const listing = (gstInspect) => (elements ??= { set: gstElements(gstInspect) }).set;
  return [
    { need: 'nginx on PATH (the nginx-rtmp test server)', debian: 'nginx', check: onPath('nginx') },
    {
      need: `nginx's RTMP module at ${NGINX_RTMP_MODULE} (test/peers/nginx-rtmp.ts loads it from there)`,
      debian: 'libnginx-mod-rtmp',
      check: () => (isFile(NGINX_RTMP_MODULE) ? undefined : { text: `no ${NGINX_RTMP_MODULE}`, apt: true }),
    },
    {
      need: `FFmpeg: ffmpeg and ffprobe on PATH, with the encoders ${FFMPEG_ENCODERS.join(' ')}, the decoders ${FFMPEG_DECODERS.join(' ')} and the lavfi sources ${FFMPEG_FILTERS.join(' ')}`,
      debian: 'ffmpeg',
      check: () => ffmpegProblem(env),
    },
    {
      need: 'GStreamer: gst-launch-1.0 and gst-inspect-1.0 on PATH (test/peers/gstreamer.ts)',
      debian: 'gstreamer1.0-tools',
      check: () => onPath('gst-launch-1.0')() ?? onPath('gst-inspect-1.0')(),
    },
    ...Object.entries(GST_ELEMENTS).map(([debian, names]) => ({
      need: `GStreamer elements ${names.join(' ')} (test/peers/gstreamer.ts's pipelines)`,
      debian,
      check: () => gstProblem(env, names, listing),
    })),
    browser(env, 'Chromium', 'CHROMIUM_PATH', DEBIAN_CHROMIUM, 'chromium'),
    browser(env, 'Firefox ESR (the browser suite\'s second run, web-test-runner.firefox.config.mjs)', 'FIREFOX_PATH', DEBIAN_FIREFOX, 'firefox-esr'),
    { need: 'python3 on PATH (test/peers/throttle-proxy.py)', debian: 'python3', check: onPath('python3') },
    { need: 'openssl on PATH (test certificates)', debian: 'openssl', check: onPath('openssl') },
  ];
}

/** The requirements that are not met, each with what is wrong. */
function unmet(env = process.env) {
  return requirements(env).flatMap((r) => {
    const problem = r.check();
    return problem === undefined ? [] : [{ ...r, problem }];
  });
}

/** The message for requirements apt-get cannot meet, or that no apt-get is there to meet. */
function byHand(list, why) {
  const lines = list.map((r) => `  - ${r.need}${r.debian === undefined ? '' : ` [Debian: ${r.debian}]`}\n      now: ${r.problem.text}`);
  return `system-deps: ${why}:\n\n${lines.join('\n')}\n`;
}

function main(argv, env) {
  const noInstall = argv.includes('--no-install');
  let need = unmet(env);
  if (need.length === 0) return 0;

  const aptGet = which('apt-get', env);
  const viaApt = need.filter((r) => r.problem.apt && r.debian !== undefined);
  const other = need.filter((r) => !viaApt.includes(r));
  if (aptGet === undefined) {
    process.stderr.write(byHand(need, 'this machine has no apt-get; install these (the Debian package names say which software), then run npm test again'));
    return 1;
  }
  const packages = [...new Set(viaApt.map((r) => r.debian))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (packages.length > 0 && isRoot && !noInstall) {
    process.stdout.write(`system-deps: installing ${packages.join(' ')} (apt-get) …\n`);
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync(aptGet, ['update'], { stdio: 'inherit', env: aptEnv });
    execFileSync(aptGet, ['install', '-y', ...packages], { stdio: 'inherit', env: aptEnv });
    need = unmet(env);
    if (need.length === 0) return 0;
    process.stderr.write(byHand(need, 'still missing after apt-get install'));
    return 1;
  }
  if (packages.length > 0) {
    process.stderr.write(`system-deps: missing ${viaApt.map((r) => r.problem.text).join('; ')}. Install them as root with:\n\n  sudo sh -c 'apt-get update && apt-get install -y ${packages.join(' ')}'\n\n`);
  }
  if (other.length > 0) process.stderr.write(byHand(other, 'apt-get cannot fix these'));
  return 1;
}

process.exitCode = main(process.argv.slice(2), process.env);
