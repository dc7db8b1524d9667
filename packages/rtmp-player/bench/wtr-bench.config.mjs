// `npm run bench:player`: the player latency bench in Chromium, with the same
// runner, browser and peers as the browser tests (see player-latency.bench.ts).
import base from '../../../web-test-runner.config.mjs';

export default {
  ...base,
  files: ['packages/rtmp-player/bench/player-latency.bench.ts'],
  testFramework: { config: { timeout: 300_000 } },
};
