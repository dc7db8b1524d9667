#!/usr/bin/env node
// Makes sure the real peers the tests use are on this machine: nginx with the
// RTMP module, FFmpeg/ffprobe, Chromium and openssl (for test certificates;
// Debian packages). As root it
// installs what is missing with apt-get; otherwise it prints the exact command
// and exits non-zero, so `npm test` never runs half a suite silently.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES = ['nginx', 'libnginx-mod-rtmp', 'ffmpeg', 'chromium', 'openssl'];

function missing() {
  const out = [];
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (!has('nginx')) out.push('nginx');
  if (!existsSync('/usr/lib/nginx/modules/ngx_rtmp_module.so')) out.push('libnginx-mod-rtmp');
  if (!has('ffmpeg') || !has('ffprobe')) out.push('ffmpeg');
  if (!existsSync('/usr/bin/chromium')) out.push('chromium');
  if (!has('openssl')) out.push('openssl');
  return out;
}

const need = missing();
if (need.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y ${PACKAGES.join(' ')}`;
if (typeof process.getuid === 'function' && process.getuid() === 0) {
  console.log(`system-deps: installing ${need.join(', ')} …`);
  execFileSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${command}`], { stdio: 'inherit' });
  const still = missing();
  if (still.length > 0) {
    console.error(`system-deps: still missing after install: ${still.join(', ')}`);
    process.exit(1);
  }
} else {
  console.error(`system-deps: missing ${need.join(', ')}. Install them as root with:\n\n  sudo sh -c '${command}'\n`);
  process.exit(1);
}
