import { describe, expect, it, vi } from 'vitest';
import { TIMED_OUT, within } from '../src/deadline.ts';

describe('within', () => {
  it('gives the answer when it comes in time, TIMED_OUT when it does not, and passes a rejection through', async () => {
    vi.useFakeTimers();
    try {
      expect(await within(Promise.resolve(7), 100)).toBe(7);
      const never = within(new Promise<number>(() => {}), 100);
      await vi.advanceTimersByTimeAsync(100);
      expect(await never).toBe(TIMED_OUT);
      await expect(within(Promise.reject(new TypeError('bad config')), 100)).rejects.toThrow('bad config');
      expect(vi.getTimerCount()).toBe(0); // every timer cleared
    } finally {
      vi.useRealTimers();
    }
  });
});
