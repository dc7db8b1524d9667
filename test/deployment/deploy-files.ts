/**
 * The deployment files the operator copies (bridge/deploy/: the nginx
 * config and the systemd unit), read and filled in for a test, so the test
 * runs exactly what docs/deployment.md shows: each value the test changes is
 * replaced where it stands, and a file that no longer holds it fails loudly.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** bridge/deploy/nginx-rtmp-bridge.conf (for the http {} context). */
export const NGINX_CONF_FILE = join(ROOT, 'bridge/deploy/nginx-rtmp-bridge.conf');
/** bridge/deploy/rtmp-bridge@.service (one instance per port). */
export const SYSTEMD_UNIT_FILE = join(ROOT, 'bridge/deploy/rtmp-bridge@.service');
/** The page that shows both files. */
export const DEPLOYMENT_DOC = join(ROOT, 'docs/deployment.md');

/** A deployment file no longer says what the test expects to replace. */
export class DeployFileDriftError extends Error {
  override readonly name = 'DeployFileDriftError';
}

/** Replaces each key of `replacements` (it must occur exactly once in `text`) by its value. */
export function fillTemplate(file: string, text: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of replacements) {
    const n = out.split(from).length - 1;
    if (n !== 1) throw new DeployFileDriftError(`${file}: expected ${JSON.stringify(from)} exactly once, found it ${n} times`);
    out = out.replace(from, () => to);
  }
  return out;
}

/**
 * The unit's `ExecStart=` as argv, `%i` replaced by `instance`. The unit's
 * arguments hold no quotes or specifiers beyond `%i`; either would need
 * systemd's own parser, so they are refused.
 */
export function unitExecStart(unit: string, instance: string): string[] {
  const lines = unit.split('\n').filter((l) => l.startsWith('ExecStart='));
  if (lines.length !== 1) throw new DeployFileDriftError(`${SYSTEMD_UNIT_FILE}: expected one ExecStart=, found ${lines.length}`);
  const command = (lines[0] ?? '').slice('ExecStart='.length);
  if (/["'\\$]|%[^i]/.test(command)) throw new DeployFileDriftError(`${SYSTEMD_UNIT_FILE}: ExecStart= needs systemd's quoting rules: ${command}`);
  return command.split(/\s+/).filter((a) => a !== '').map((a) => a.replaceAll('%i', instance));
}

/** Reads a deployment file. */
export function readDeployFile(file: string): string {
  return readFileSync(file, 'utf8');
}
