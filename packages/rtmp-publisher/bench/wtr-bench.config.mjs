// `npm run bench:publisher`: the publisher's measurements in the test
// Chromium, with the same peers plugin as the browser tests.
import base from '../../../web-test-runner.config.mjs';

export default {
  ...base,
  files: ['packages/rtmp-publisher/bench/publisher.bench.ts'],
  testFramework: { config: { timeout: 600_000 } },
};
