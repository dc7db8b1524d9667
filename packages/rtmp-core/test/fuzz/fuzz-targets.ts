/**
 * Every committed fixture, and the parser entry point for each fuzz target.
 * The unit tests assert the fixtures; the fuzzer mutates them.
 */
import { decodeAmf0 } from '../../src/amf/amf0.ts';
import { decodeAmf3 } from '../../src/amf/amf3.ts';
import { amfFixtures } from '../fixtures/amf-fixtures.ts';
import { audioCodecFixtures, audioCodecFuzzTargets } from '../fixtures/audio-codec-fixtures.ts';
import { chunkFixtures, chunkFuzzTarget } from '../fixtures/chunk-fixtures.ts';
import { commandFixtures, commandFuzzTarget } from '../fixtures/command-fixtures.ts';
import type { Fixture, FuzzTarget } from '../fixtures/fixture.ts';
import { flvFixtures, flvFuzzTargets } from '../fixtures/flv-fixtures.ts';
import { handshakeFixtures, handshakeFuzzTarget } from '../fixtures/handshake-fixtures.ts';
import type { FuzzTargetFn } from './mutation-fuzzer.ts';

/** All committed fixtures. */
export const allFixtures: Fixture[] = [
  ...amfFixtures,
  ...chunkFixtures,
  ...commandFixtures,
  ...handshakeFixtures,
  ...flvFixtures,
  ...audioCodecFixtures,
];

function flvTarget(name: string): FuzzTargetFn {
  const fn = flvFuzzTargets[name];
  if (fn === undefined) throw new Error(`flv-fixtures has no fuzz target ${name}`);
  return fn;
}

/** The parser for each fuzz target. */
export const fuzzTargets: Record<FuzzTarget, FuzzTargetFn> = {
  amf0: (b) => decodeAmf0(b),
  amf3: (b) => decodeAmf3(b),
  chunk: chunkFuzzTarget,
  handshake: handshakeFuzzTarget,
  command: commandFuzzTarget,
  'flv-audio': flvTarget('flv-audio'),
  'flv-video': flvTarget('flv-video'),
  'audio-config': flvTarget('audio-config'),
  'flv-video-message': flvTarget('flv-video-message'),
  'flv-audio-message': flvTarget('flv-audio-message'),
  avcc: flvTarget('avcc'),
  hvcc: flvTarget('hvcc'),
  asc: flvTarget('asc'),
  nalu: flvTarget('nalu'),
  'flv-file': flvTarget('flv-file'),
  nellymoser: audioCodecFuzzTargets.nellymoser,
  speex: audioCodecFuzzTargets.speex,
};
