import { describe, expect, it } from 'vitest';
import { RtmpError } from '../../src/errors.ts';
import { decodeAmf0 } from '../../src/amf/amf0.ts';
import { decodeAmf3 } from '../../src/amf/amf3.ts';
import { amfFixtures } from '../fixtures/amf-fixtures.ts';

describe('AMF fixtures', () => {
  it('have unique names and AMF targets', () => {
    const names = new Set(amfFixtures.map((f) => f.name));
    expect(names.size).toBe(amfFixtures.length);
    for (const f of amfFixtures) expect(['amf0', 'amf3']).toContain(f.target);
  });

  it.each(amfFixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const decode = f.target === 'amf0' ? decodeAmf0 : decodeAmf3;
    let caught: unknown;
    try {
      decode(f.bytes);
    } catch (e) {
      caught = e;
    }
    if (f.expect === 'ok') {
      expect(caught).toBeUndefined();
    } else {
      expect(caught).toBeInstanceOf(RtmpError);
      expect((caught as RtmpError).code, (caught as RtmpError).message).toBe(f.expect);
    }
  });
});
