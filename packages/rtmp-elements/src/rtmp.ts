/**
 * The one-script-tag bundle: importing this module registers
 * `<rtmp-player>` and `<rtmp-publisher>`. Built to `dist/rtmp.js`; the worker
 * and worklet files it needs sit beside it and are found relative to its URL.
 */
export * from '@rtmp-web/player';
export * from '@rtmp-web/publisher';
