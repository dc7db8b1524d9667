/**
 * The video stage against Chromium's real WebCodecs: an Enhanced RTMP HEVC
 * sequence start (this Chromium has no HEVC decoder) gives a clear
 * CODEC_UNSUPPORTED error, not a black box; AV1 (which it decodes) configures.
 */
import { VideoFourCc, buildExVideoFrameTag, buildExVideoSequenceStartTag, type RtmpError } from '@rtmp-web/core';
import { LIBAOM_642X362_AV1C, X265_MAIN_642X362_HVCC } from '../../../rtmp-core/test/fixtures/flv-fixtures.ts';
import { VideoPipeline } from '../../src/video-pipeline.ts';
import { assert, sleep } from './player-harness.ts';

function pipeline() {
  const errors: RtmpError[] = [];
  const codecs: string[] = [];
  const p = new VideoPipeline(new OffscreenCanvas(16, 16), { presented() {}, resized() {}, error: (e) => errors.push(e), codec: (c) => codecs.push(c), ready() {} });
  return { p, errors, codecs };
}

describe('VideoPipeline with the browser’s WebCodecs', () => {
  it('HEVC (not decodable here): CODEC_UNSUPPORTED, not fatal, its frames skipped (never meant to be shown), none dropped', async () => {
    const { p, errors } = pipeline();
    p.push(buildExVideoSequenceStartTag(VideoFourCc.Hevc, X265_MAIN_642X362_HVCC), 0);
    p.push(buildExVideoFrameTag(VideoFourCc.Hevc, true, 0, new Uint8Array([0, 0, 0, 2, 0x26, 0x01])), 0);
    for (let i = 0; i < 20 && errors.length === 0; i++) {
      p.tick(NaN);
      await sleep(50);
    }
    p.tick(NaN);
    assert(errors.length === 1 && errors[0]!.code === 'CODEC_UNSUPPORTED' && !errors[0]!.fatal, JSON.stringify(errors.map((e) => [e.code, e.message])));
    assert(/hvc1/.test(errors[0]!.message), errors[0]!.message);
    assert(p.framesSkipped === 1 && p.framesDropped === 0, `skipped ${p.framesSkipped}, dropped ${p.framesDropped}`);
    p.close();
  });

  it('AV1 (decodable here): configures a decoder, no error', async () => {
    const { p, errors, codecs } = pipeline();
    p.push(buildExVideoSequenceStartTag(VideoFourCc.Av1, LIBAOM_642X362_AV1C), 0);
    for (let i = 0; i < 20 && codecs.length === 0; i++) {
      p.tick(NaN);
      await sleep(50);
    }
    assert(codecs[0]?.startsWith('av01.') === true, `codecs ${codecs.join(',')}`);
    assert(errors.length === 0, JSON.stringify(errors.map((e) => e.message)));
    p.close();
  });
});
