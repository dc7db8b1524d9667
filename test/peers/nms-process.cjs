// Runs node-media-server v4 in its own process (it keeps global state, so one
// per process). Usage: node nms-process.cjs <rtmpPort> <httpPort> <dir>
const NodeMediaServer = require('node-media-server');
const [rtmpPort, httpPort, dir] = process.argv.slice(2);
const nms = new NodeMediaServer({
  bind: '127.0.0.1',
  rtmp: { port: Number(rtmpPort), chunk_size: 4096, gop_cache: true, ping: 30, ping_timeout: 60 },
  http: { port: Number(httpPort), allow_origin: '*' },
  webadmin: { enable: false },
  store: { path: dir },
  record: { auto: false, path: dir },
  auth: { play: false, publish: false, secret: '', jwt: { secret: 'x', users: [] } },
});
nms.run();
process.on('SIGTERM', () => {
  Promise.resolve(nms.stop()).finally(() => process.exit(0));
});
