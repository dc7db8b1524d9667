/**
 * The FLV tag layer: RTMP audio/video message payloads (= FLV tag bodies),
 * codec configuration records, NAL units, and FLV files, up to
 * WebCodecs-shaped decoder configurations.
 *
 * `bitstream.ts` (bit reader/writer) and `ex-header.ts` (E-RTMP ModEx and
 * FourCC reading) are internal and not re-exported.
 */
export * from './flv-constants.ts';
export * from './decoder-config.ts';
export * from './nalu.ts';
export * from './video-tag.ts';
export * from './audio-tag.ts';
export * from './avc-config.ts';
export * from './aac-config.ts';
export * from './hevc-config.ts';
export * from './av1-config.ts';
export * from './vp9-config.ts';
export * from './audio-headers.ts';
export * from './codec-config.ts';
export * from './flv-file.ts';
export * from './stream-metadata.ts';
export * from './encoder-config.ts';
