/**
 * Aggregate messages (type 22, RTMP 1.0 §7.1.6): several FLV-style sub-tags
 * in one message. Servers such as FMS/AMS and Wowza send them; we split them
 * back into plain audio/video/data messages.
 *
 * ```
 * +------+--------+-----------+--------+----------+-------+-----------------+
 * | type | size   | timestamp | ts ext | streamId | body  | back pointer    |
 * | 1    | 3 (BE) | 3 (BE)    | 1      | 3        | size  | 4 (size + 11)   |
 * +------+--------+-----------+--------+----------+-------+-----------------+
 * ```
 */
import { ByteCursor } from '../bytes/byte-cursor.ts';
import { RtmpErrorCode } from '../errors.ts';
import type { RtmpMessage } from '../message/message-types.ts';

/**
 * Splits an aggregate message. Sub-message timestamps keep their offsets from
 * the first sub-tag, rebased on the aggregate's own timestamp.
 */
export function splitAggregate(message: RtmpMessage): RtmpMessage[] {
  const c = new ByteCursor(message.payload, RtmpErrorCode.FlvInvalid);
  const out: RtmpMessage[] = [];
  let base = -1;
  while (c.remaining > 0) {
    const typeId = c.u8();
    const size = c.u24be();
    const ts = (c.u24be() | (c.u8() << 24)) >>> 0;
    c.skip(3); // stream id: the aggregate's own applies
    const payload = c.bytesView(size, 'aggregate sub-message');
    c.skip(Math.min(4, c.remaining)); // back pointer; some servers omit the last one
    if (base < 0) base = ts;
    out.push({
      typeId,
      streamId: message.streamId,
      timestamp: (message.timestamp + (ts - base)) >>> 0,
      payload,
      csid: message.csid,
    });
  }
  return out;
}
