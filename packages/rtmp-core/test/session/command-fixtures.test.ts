import { describe, expect, it } from 'vitest';
import { commandFixtures, commandFuzzTarget, createStreamOutcome, createStreamReplyFixtures } from '../fixtures/command-fixtures.ts';

describe('command fixtures through a connected session', () => {
  for (const f of commandFixtures) {
    it(f.name, () => {
      if (f.expect === 'ok') expect(() => commandFuzzTarget(f.bytes)).not.toThrow();
      else expect(() => commandFuzzTarget(f.bytes)).toThrow(expect.objectContaining({ code: f.expect }));
    });
  }
  for (const f of createStreamReplyFixtures) {
    it(`createStream reply: ${f.name}`, async () => {
      expect(await createStreamOutcome(f.bytes)).toBe(f.expect);
    });
  }
});
