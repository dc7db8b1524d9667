import { describe, expect, it } from 'vitest';
import { parseRenditions } from '../src/rendition-settings.ts';

describe('parseRenditions (the renditions attribute)', () => {
  it('reads width×height@kbps, comma-separated; empty is none', () => {
    expect(parseRenditions('640x360@800, 320x180@300')).toEqual([
      { width: 640, height: 360, bitrateKbps: 800 },
      { width: 320, height: 180, bitrateKbps: 300 },
    ]);
    expect(parseRenditions('')).toEqual([]);
    expect(parseRenditions(' , ')).toEqual([]);
  });

  it('says why a value cannot be used', () => {
    expect(parseRenditions('640x360')).toMatch(/not width×height@kbps/);
    expect(parseRenditions('641x360@800')).toMatch(/even/);
    expect(parseRenditions('8x8@800')).toMatch(/16 to/);
    expect(parseRenditions('640x360@10')).toMatch(/50 kbps/);
    expect(parseRenditions('2x2@1,4x4@1,6x6@1,8x8@1,10x10@1')).toMatch(/at most 4/);
  });
});
