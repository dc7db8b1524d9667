#!/usr/bin/env node
// The `rtmp-bridge` bin of the root package. The bridge is TypeScript run as
// it is (no build step), so register tsx's loader first, then hand over to
// the CLI. See bridge/README.md.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exit(await main(process.argv.slice(2)));
