/**
 * The avcC a publisher sends for an H.264 encoder, from Firefox ESR 153's
 * real output (bytes copied from its VideoEncoder, avc format, 640x360
 * Constrained Baseline): its `description` doubles each parameter set's NAL
 * header byte, its keyframes carry the right SPS and PPS.
 */
import { parseAvcDecoderConfigurationRecord, parseAvcSps } from '@rtmp-web/core';
import { describe, expect, it } from 'vitest';
import { avcConfigFromKeyframe } from '../src/video-encoder-stage.ts';

const hex = (s: string): Uint8Array => new Uint8Array(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const SPS = '67 42 c0 1f d9 00 a0 2f f9 61 00 00 03 00 01 00 1e 84 80 0f 18 32 48';
const PPS = '68 cb 8c b2';
/** Firefox's decoderConfig.description: `67 67 …` and `68 68 …`, reserved bits clear. */
const FIREFOX_DESCRIPTION = hex(`01 42 c0 1f 03 01 00 18 67 ${SPS} 01 00 05 68 ${PPS}`);
/** Its first keyframe: SPS, PPS, then (the start of) an IDR slice. */
const FIREFOX_KEYFRAME = hex(`00 00 00 17 ${SPS} 00 00 00 04 ${PPS} 00 00 00 05 65 88 82 01 0f`);

describe('avcConfigFromKeyframe', () => {
  it("builds Firefox's avcC from the keyframe's own SPS and PPS", () => {
    const record = avcConfigFromKeyframe(FIREFOX_KEYFRAME, FIREFOX_DESCRIPTION);
    expect(record).toEqual(hex(`01 42 c0 1f ff e1 00 17 ${SPS} 01 00 04 ${PPS}`));
    const parsed = parseAvcDecoderConfigurationRecord(record!);
    expect(parsed.nalLengthSize).toBe(4);
    const sps = parseAvcSps(parsed.sps[0]!);
    expect([sps.profileIdc, sps.width, sps.height]).toEqual([66, 640, 360]);
  });

  it("leaves the encoder's record alone for a keyframe without parameter sets (Chromium's) or one it cannot split", () => {
    expect(avcConfigFromKeyframe(hex('00 00 00 05 65 88 82 01 0f'), FIREFOX_DESCRIPTION)).toBeNull();
    expect(avcConfigFromKeyframe(hex('00 00 00 40 65 88'), FIREFOX_DESCRIPTION)).toBeNull();
    // A 2-byte NAL length size comes from the description.
    const twoByte = hex(`01 42 c0 1f fd e1 00 17 ${SPS} 01 00 04 ${PPS}`);
    expect(avcConfigFromKeyframe(hex(`00 17 ${SPS} 00 04 ${PPS}`), twoByte)?.[4]).toBe(0xfd);
  });
});
