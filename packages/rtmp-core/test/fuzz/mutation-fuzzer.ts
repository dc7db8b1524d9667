/**
 * A small mutation fuzzer over the committed fixtures. Each round takes a
 * fixture, mutates it (bit flips, interesting values, inserts, deletes,
 * truncation, splices with another fixture of the same target), feeds it to
 * the fixture's parser and checks that nothing but an RtmpError escapes.
 * Deterministic for a given seed.
 */
import { RtmpError } from '../../src/errors.ts';
import type { Fixture, FuzzTarget } from '../fixtures/fixture.ts';
import { seededRandom } from '../split-delivery.ts';

/** A parser entry point for one fuzz target. */
export type FuzzTargetFn = (bytes: Uint8Array) => unknown;

/** One input that broke the rule, for the report. */
export interface FuzzFinding {
  fixture: string;
  target: FuzzTarget;
  input: Uint8Array;
  error: unknown;
}

/** What a run did. */
export interface FuzzReport {
  inputs: number;
  typedErrors: number;
  findings: FuzzFinding[];
  millis: number;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x3f, 0x10];
// Seeds larger than this are truncated before mutating, to keep rounds fast.
const MAX_SEED_BYTES = 64 * 1024;

function mutate(input: Uint8Array, rnd: () => number, other: Uint8Array): Uint8Array {
  let b: Uint8Array = input.slice(0, MAX_SEED_BYTES);
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let r = 0; r < rounds; r++) {
    const pos = b.length === 0 ? 0 : Math.floor(rnd() * b.length);
    switch (Math.floor(rnd() * 8)) {
      case 0: // flip a bit
        if (b.length) b[pos] = b[pos]! ^ (1 << Math.floor(rnd() * 8));
        break;
      case 1: // interesting byte
        if (b.length) b[pos] = INTERESTING[Math.floor(rnd() * INTERESTING.length)]!;
        break;
      case 2: // random byte
        if (b.length) b[pos] = Math.floor(rnd() * 256);
        break;
      case 3: { // a big 24/32-bit value (lengths, counts)
        const n = Math.min(4, b.length - pos);
        for (let i = 0; i < n; i++) b[pos + i] = rnd() < 0.7 ? 0xff : 0x7f;
        break;
      }
      case 4: { // insert random bytes
        const n = 1 + Math.floor(rnd() * 8);
        const ins = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
        const out = new Uint8Array(b.length + n);
        out.set(b.subarray(0, pos));
        out.set(ins, pos);
        out.set(b.subarray(pos), pos + n);
        b = out;
        break;
      }
      case 5: { // delete bytes
        const n = Math.min(b.length - pos, 1 + Math.floor(rnd() * 8));
        const out = new Uint8Array(b.length - n);
        out.set(b.subarray(0, pos));
        out.set(b.subarray(pos + n), pos);
        b = out;
        break;
      }
      case 6: // truncate
        b = b.slice(0, pos);
        break;
      default: { // splice: our head, another fixture's tail
        const cut = Math.floor(rnd() * (other.length + 1));
        const tail = other.subarray(cut, cut + MAX_SEED_BYTES);
        const out = new Uint8Array(pos + tail.length);
        out.set(b.subarray(0, pos));
        out.set(tail, pos);
        b = out;
      }
    }
  }
  return b;
}

/** Runs `count` mutated inputs round-robin over `fixtures`. */
export function runFuzz(
  fixtures: readonly Fixture[],
  targets: Record<FuzzTarget, FuzzTargetFn>,
  options: { seed: number; count: number },
): FuzzReport {
  const rnd = seededRandom(options.seed);
  const byTarget = new Map<FuzzTarget, Fixture[]>();
  for (const f of fixtures) byTarget.set(f.target, [...(byTarget.get(f.target) ?? []), f]);
  const report: FuzzReport = { inputs: 0, typedErrors: 0, findings: [], millis: 0 };
  const start = performance.now();
  for (let i = 0; i < options.count; i++) {
    const f = fixtures[i % fixtures.length]!;
    const peers = byTarget.get(f.target)!;
    const other = peers[Math.floor(rnd() * peers.length)]!.bytes;
    const input = mutate(f.bytes, rnd, other);
    report.inputs++;
    try {
      targets[f.target](input);
    } catch (e) {
      if (e instanceof RtmpError) report.typedErrors++;
      else if (report.findings.length < 20) report.findings.push({ fixture: f.name, target: f.target, input, error: e });
    }
  }
  report.millis = performance.now() - start;
  return report;
}
