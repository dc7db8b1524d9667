/**
 * The client's IP address, for per-IP limits and logs.
 *
 * Directly exposed, it is the TCP peer. Behind one reverse proxy
 * (`trustProxy`), it is the last entry of `X-Forwarded-For`: the one the
 * proxy appended. Earlier entries come from the client and can be forged.
 */
import type { IncomingMessage } from 'node:http';
import { classifyIp, formatIp, parseIp, AddressRange } from './ip-address.ts';

/**
 * Returns the client IP as canonical text (IPv4-mapped IPv6 shown as IPv4),
 * or `'unknown'` when the socket has already gone.
 */
export function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const joined = Array.isArray(header) ? header.join(',') : header;
    const last = joined?.split(',').at(-1)?.trim();
    const ip = last === undefined ? undefined : parseIp(last);
    if (ip !== undefined) return displayIp(ip.family, ip.bytes);
  }
  const peer = req.socket.remoteAddress;
  const ip = peer === undefined ? undefined : parseIp(peer);
  return ip === undefined ? 'unknown' : displayIp(ip.family, ip.bytes);
}

function displayIp(family: 4 | 6, bytes: Uint8Array): string {
  if (family === 6 && classifyIp({ family, bytes, text: '' }) === AddressRange.Ipv4Mapped) {
    return formatIp(bytes.subarray(12));
  }
  return formatIp(bytes);
}
