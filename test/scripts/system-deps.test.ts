/**
 * `scripts/system-deps.mjs`, `npm test`'s preflight, against a PATH of fake
 * commands in a temporary folder (so nothing real is installed, and the
 * machine's own tools do not leak in): a complete machine, a machine
 * without apt-get, the root install through a fake apt-get, `--no-install`,
 * GStreamer's elements looked for in a fake gst-inspect-1.0's listing.
 * nginx's RTMP module is looked for at Debian's path, which this machine
 * has, so it is never reported missing here.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/system-deps.mjs');
const ENCODERS = ['libx264', 'flv', 'libx265', 'libaom-av1', 'libvpx-vp9', 'rawvideo', 'aac', 'libmp3lame', 'libopus', 'libspeex', 'nellymoser', 'adpcm_swf', 'pcm_alaw', 'pcm_mulaw', 'pcm_s16le', 'flac', 'ac3', 'eac3'];
const DECODERS = ['libspeex', 'nellymoser', 'h264', 'aac'];
const FILTERS = ['testsrc2', 'sine', 'color'];
/** The GStreamer elements the preflight looks for, by Debian package (as in the script). */
const GST_ELEMENTS: Record<string, string[]> = {
  'gstreamer1.0-plugins-base': ['videotestsrc', 'audiotestsrc', 'audioconvert', 'audioresample'],
  'gstreamer1.0-plugins-good': ['flvmux', 'flvdemux', 'aacparse'],
  'gstreamer1.0-plugins-bad': ['rtmp2sink', 'rtmp2src', 'h264parse'],
  'gstreamer1.0-plugins-ugly': ['x264enc'],
  'gstreamer1.0-libav': ['avenc_aac', 'avdec_h264', 'avdec_aac'],
};

let bin: string;
beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'system-deps-'));
});
afterEach(() => rmSync(bin, { recursive: true, force: true }));

/** A fake command: a Node script (absolute shebang, so it needs nothing on PATH). */
function fake(name: string, body = ''): string {
  const path = join(bin, name);
  writeFileSync(path, `#!${process.execPath}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A fake ffmpeg whose listings have these names, in FFmpeg's own format. */
function fakeFfmpeg(has: { encoders?: string[]; decoders?: string[]; filters?: string[] } = {}): void {
  const listing = {
    '-encoders': (has.encoders ?? ENCODERS).map((n) => ` A....D ${n.padEnd(20)} ${n}`).join('\n'),
    '-decoders': (has.decoders ?? DECODERS).map((n) => ` A....D ${n.padEnd(20)} ${n}`).join('\n'),
    '-filters': (has.filters ?? FILTERS).map((n) => ` ... ${n.padEnd(17)} |->V       ${n}`).join('\n'),
  };
  fake('ffmpeg', `const l = ${JSON.stringify(listing)}; process.stdout.write('Encoders:\\n ------\\n' + (l[process.argv[3]] ?? '') + '\\n');`);
  fake('ffprobe');
}

/**
 * A fake GStreamer: gst-launch-1.0, and a gst-inspect-1.0 listing (in
 * GStreamer's format) the elements of the plugin packages named in
 * `gst-installed.json`, which the fake apt-get below adds to.
 */
function fakeGstreamer(packages: string[] = Object.keys(GST_ELEMENTS)): void {
  fake('gst-launch-1.0');
  writeFileSync(join(bin, 'gst-installed.json'), JSON.stringify(packages));
  fake('gst-inspect-1.0', [
    `const elements = ${JSON.stringify(GST_ELEMENTS)};`,
    `const installed = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(join(bin, 'gst-installed.json'))}, 'utf8'));`,
    `for (const p of installed) for (const e of elements[p]) process.stdout.write('plugin:  ' + e + ': ' + e + ' element\\n');`,
    `process.stdout.write('\\nTotal count: 1 plugin, 1 feature\\n');`,
  ].join('\n'));
}

/** Everything the tests need, as fakes; the browsers through CHROMIUM_PATH and FIREFOX_PATH. */
function completeMachine(): NodeJS.ProcessEnv {
  for (const c of ['nginx', 'python3', 'openssl']) fake(c);
  fakeFfmpeg();
  fakeGstreamer();
  return { PATH: bin, CHROMIUM_PATH: fake('my-chromium'), FIREFOX_PATH: fake('my-firefox') };
}

function preflight(env: NodeJS.ProcessEnv, args: string[] = []) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { env, encoding: 'utf8', timeout: 30_000 });
}

describe('system-deps.mjs (npm test preflight)', () => {
  it('is silent and exits 0 when everything is there, Chromium taken from CHROMIUM_PATH', () => {
    const out = preflight(completeMachine());
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('');
    expect(out.status).toBe(0);
  });

  it('without apt-get, lists exactly what to install: FFmpeg encoders, decoders and sources, python3, a bad CHROMIUM_PATH', () => {
    const env = completeMachine();
    rmSync(join(bin, 'python3'));
    fakeFfmpeg({ encoders: ENCODERS.filter((e) => e !== 'libspeex' && e !== 'nellymoser'), decoders: ['h264', 'aac', 'nellymoser'], filters: ['testsrc2', 'color'] });
    const out = preflight({ ...env, CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('this machine has no apt-get');
    expect(out.stderr).toContain(`${join(bin, 'ffmpeg')} lacks encoders libspeex, nellymoser; decoders libspeex; filters sine`);
    expect(out.stderr).toMatch(/python3 on PATH .*\[Debian: python3\]\n\s+now: no python3 on PATH/);
    expect(out.stderr).toContain('CHROMIUM_PATH=/nonexistent/chromium is not an executable file');
    expect(out.stderr).not.toMatch(/nginx|openssl|GStreamer|Firefox/);
  });

  it('checks Firefox ESR at FIREFOX_PATH when set, else Debian’s /usr/bin/firefox-esr (package firefox-esr)', () => {
    const env = completeMachine();
    const bad = preflight({ ...env, FIREFOX_PATH: '/nonexistent/firefox' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/Firefox ESR .*at FIREFOX_PATH \(\/nonexistent\/firefox\)\n\s+now: FIREFOX_PATH=\/nonexistent\/firefox is not an executable file/);
    fake('apt-get');
    const debian = preflight({ ...env, FIREFOX_PATH: undefined }, ['--no-install']);
    if (existsSync('/usr/bin/firefox-esr')) {
      expect(debian.stderr).toBe('');
      expect(debian.status).toBe(0);
    } else {
      expect(debian.status).toBe(1);
      expect(debian.stderr).toContain(`no /usr/bin/firefox-esr (and FIREFOX_PATH is not set)`);
      expect(debian.stderr).toContain(`apt-get install -y firefox-esr'`);
    }
  });

  it('finds GStreamer elements in gst-inspect-1.0: without apt-get, names each missing one and its Debian package', () => {
    const env = completeMachine();
    fakeGstreamer(['gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-libav']);
    const out = preflight(env);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/GStreamer elements rtmp2sink rtmp2src h264parse .*\[Debian: gstreamer1.0-plugins-bad\]\n\s+now: GStreamer lacks the elements rtmp2sink, rtmp2src, h264parse/);
    expect(out.stderr).toMatch(/\[Debian: gstreamer1.0-plugins-ugly\]\n\s+now: GStreamer lacks the elements x264enc/);
    expect(out.stderr).not.toMatch(/plugins-good|plugins-base|gstreamer1.0-libav|gstreamer1.0-tools/);
  });

  it('without gst-inspect-1.0, --no-install prints one apt-get command with GStreamer’s tools and every plugin package', () => {
    const env = completeMachine();
    rmSync(join(bin, 'gst-inspect-1.0'));
    fake('apt-get');
    const out = preflight(env, ['--no-install']);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('no gst-inspect-1.0 on PATH');
    expect(out.stderr).toContain(`apt-get install -y gstreamer1.0-tools ${Object.keys(GST_ELEMENTS).join(' ')}'`);
  });

  it('as root with apt-get, installs only the missing Debian packages, then checks again', () => {
    const env = completeMachine();
    rmSync(join(bin, 'python3'));
    rmSync(join(bin, 'openssl'));
    fakeGstreamer(['gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-ugly', 'gstreamer1.0-libav']);
    const log = join(bin, 'apt.log');
    // The fake apt-get logs its arguments and "installs" by creating the commands (a GStreamer
    // plugin package: by adding it to what the fake gst-inspect-1.0 lists).
    fake('apt-get', [
      `const fs = require('node:fs');`,
      `fs.appendFileSync(${JSON.stringify(log)}, process.argv.slice(2).join(' ') + ' DEBIAN_FRONTEND=' + process.env.DEBIAN_FRONTEND + '\\n');`,
      `const gst = ${JSON.stringify(join(bin, 'gst-installed.json'))};`,
      `if (process.argv[2] === 'install') for (const p of process.argv.slice(4)) {`,
      `  if (p.startsWith('gstreamer1.0-plugins-')) { fs.writeFileSync(gst, JSON.stringify([...JSON.parse(fs.readFileSync(gst, 'utf8')), p])); continue; }`,
      `  fs.writeFileSync(${JSON.stringify(bin)} + '/' + p, '#!/bin/sh\\n'); fs.chmodSync(${JSON.stringify(bin)} + '/' + p, 0o755);`,
      `}`,
    ].join('\n'));
    const out = preflight(env);
    if (process.getuid?.() === 0) {
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect(out.stdout).toContain('installing gstreamer1.0-plugins-bad python3 openssl (apt-get)');
      expect(readFileSync(log, 'utf8')).toBe('update DEBIAN_FRONTEND=noninteractive\ninstall -y gstreamer1.0-plugins-bad python3 openssl DEBIAN_FRONTEND=noninteractive\n');
    } else {
      expect(out.status).toBe(1);
      expect(out.stderr).toContain(`sudo sh -c 'apt-get update && apt-get install -y gstreamer1.0-plugins-bad python3 openssl'`);
      expect(existsSync(log)).toBe(false);
    }
  });

  it('--no-install prints the apt-get command and runs nothing; what apt cannot fix is listed apart', () => {
    const env = completeMachine();
    rmSync(join(bin, 'nginx'));
    fakeFfmpeg({ encoders: ENCODERS.filter((e) => e !== 'libx265') });
    const log = join(bin, 'apt.log');
    fake('apt-get', `require('node:fs').appendFileSync(${JSON.stringify(log)}, 'ran\\n');`);
    const out = preflight(env, ['--no-install']);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`missing no nginx on PATH. Install them as root with:\n\n  sudo sh -c 'apt-get update && apt-get install -y nginx'`);
    expect(out.stderr).toContain('apt-get cannot fix these');
    expect(out.stderr).toContain('lacks encoders libx265');
    expect(existsSync(log)).toBe(false);
  });
});
