/**
 * @rtmp-web/publisher: the `<rtmp-publisher>` element (importing this module
 * registers it) and the types of its API. The worker, encoders, muxer and
 * congestion control are internal.
 */
export {
  RtmpPublisher,
  type PublisherErrorDetail,
  type PublisherStateChangeDetail,
  type PublisherStatusDetail,
  type PublishFileOptions,
} from './rtmp-publisher.ts';
export { PublisherErrorCode } from './publisher-errors.ts';
export type { PublisherAudioCodec, PublisherState, PublisherStats, PublisherVideoCodec } from './worker-protocol.ts';
