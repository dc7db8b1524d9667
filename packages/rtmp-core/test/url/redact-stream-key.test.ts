import { describe, expect, it } from 'vitest';
import { redactStreamKey } from '../../src/url/rtmp-url.ts';

describe('redactStreamKey', () => {
  it('leaves words that merely contain a short key alone', () => {
    expect(redactStreamKey('the server closed the connection when asked to publish s', 's')).toBe(
      'the server closed the connection when asked to publish <stream key>',
    );
    expect(redactStreamKey('NetStream.Publish.BadName: s is in use.', 's')).toBe('NetStream.Publish.BadName: <stream key> is in use.');
  });

  it('takes out the key, its publish name and its query, also URL-encoded', () => {
    const key = 'live_123?token=a b';
    const text = `rtmp://h/app/live_123?token=a b refused; name live_123, query token=a%20b, ${encodeURIComponent(key)}`;
    const out = redactStreamKey(text, key);
    expect(out).not.toContain('live_123');
    expect(out).not.toContain('token=a');
    expect(out).toBe('rtmp://h/app/<stream key> refused; name <stream key>, query <stream key>, <stream key>');
  });

  it('is the identity for an empty key, and replaces every occurrence', () => {
    expect(redactStreamKey('abc', '')).toBe('abc');
    expect(redactStreamKey('k k-k k', 'k')).toBe('<stream key> k-k <stream key>');
  });
});
