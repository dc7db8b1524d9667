/**
 * rtmp-bridge: a WebSocket-to-TCP bridge for RTMP in the browser.
 *
 * One WebSocket carries one TCP (or TLS) connection to a target on an
 * allowlist. It knows nothing about RTMP. See bridge/README.md.
 */
export { createBridge, DEFAULT_LIMITS } from './bridge-server.ts';
export type { Bridge, BridgeLogEntry, BridgeOptions, BridgeStats } from './bridge-server.ts';
export { CLOSE_CODES, CloseReason } from './bridge-connection.ts';
export type { ConnectionStats, ConnectionSummary } from './bridge-connection.ts';
export {
  Allowlist,
  authorizeTarget,
  formatAllowEntry,
  parseAllowEntry,
  parseAllowFile,
  parseTargetSpec,
  systemLookup,
} from './allowlist.ts';
export type { AllowEntry, AllowedTarget, Lookup, LookupAnswer, TargetDecision, TargetSpec } from './allowlist.ts';
export { AddressRange, classifyIp, formatIp, hostText, parseHost, parseIp, sameIp } from './ip-address.ts';
export type { IpAddress, ParsedHost } from './ip-address.ts';
export { DEFAULT_ORIGINS, OriginPolicy } from './origin-policy.ts';
export { REFUSAL_STATUS, RefusalReason } from './refusal.ts';
export { assertTokenSecret, mintToken, verifyToken } from './token.ts';
export type { MintTokenOptions, TokenCheck, TokenProblem, VerifyTokenOptions } from './token.ts';
export { connectTarget } from './target-connection.ts';
export type { ConnectTarget, TargetConnectOptions } from './target-connection.ts';
export { createBridgeMetrics } from './metrics.ts';
export type { BridgeMetrics, BridgeMetricsOptions } from './metrics.ts';
export { clientIpOf } from './client-ip.ts';
