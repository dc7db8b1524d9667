#!/usr/bin/env node
// The `rtmp-bridge` command. In the published @rtmp-web/bridge package the
// CLI is compiled JavaScript one folder up (../cli.js, see
// scripts/build-packages.ts); in the repository it is TypeScript
// (../src/cli.ts), run through tsx's loader. See bridge/README.md.
import { existsSync } from 'node:fs';

const compiled = new URL('../cli.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
process.exit(await cli.main(process.argv.slice(2)));
