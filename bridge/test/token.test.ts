import { describe, expect, it } from 'vitest';
import { mintToken, verifyToken } from '../src/token.ts';
import { OriginPolicy } from '../src/origin-policy.ts';

const secret = 'a test secret of enough length';
const now = 1_700_000_000_000;

describe('tokens', () => {
  it('round-trips, unbound and bound to a target', () => {
    const free = mintToken({ secret, ttlSeconds: 60, now });
    expect(verifyToken(free, { secret, target: 'any.example:1935', now })).toEqual({ ok: true, expiresAt: now + 60_000 });
    const bound = mintToken({ secret, ttlSeconds: 60, target: 'Live.Example.com:1935', now });
    expect(verifyToken(bound, { secret, target: 'live.example.com:1935', now }).ok).toBe(true);
    expect(verifyToken(bound, { secret, target: 'other.example.com:1935', now })).toEqual({ ok: false, problem: 'wrong-target' });
  });

  it('expires', () => {
    const t = mintToken({ secret, ttlSeconds: 60, now });
    expect(verifyToken(t, { secret, target: 'x.example:1', now: now + 59_000 }).ok).toBe(true);
    expect(verifyToken(t, { secret, target: 'x.example:1', now: now + 60_000 })).toEqual({ ok: false, problem: 'expired' });
  });

  it('refuses a forged, tampered or malformed token', () => {
    const t = mintToken({ secret, ttlSeconds: 60, now });
    const [body, sig] = t.split('.') as [string, string];
    const opts = { secret, target: 'x.example:1', now };
    expect(verifyToken(mintToken({ secret: 'another secret, also long', ttlSeconds: 60, now }), opts)).toEqual({
      ok: false,
      problem: 'bad-signature',
    });
    const longer = Buffer.from(JSON.stringify({ v: 1, exp: now / 1000 + 9999 })).toString('base64url');
    expect(verifyToken(`${longer}.${sig}`, opts)).toEqual({ ok: false, problem: 'bad-signature' });
    expect(verifyToken(`${body}.${sig.slice(0, -2)}`, opts)).toEqual({ ok: false, problem: 'bad-signature' });
    for (const bad of ['', 'abc', 'a.b.c', `${body}.`, `${body}.${sig}=`, 'x'.repeat(2000)]) {
      expect(verifyToken(bad, opts).ok).toBe(false);
    }
    expect(verifyToken(undefined, opts)).toEqual({ ok: false, problem: 'missing' });
  });

  it('validates its options', () => {
    expect(() => mintToken({ secret: 'short', ttlSeconds: 60 })).toThrow(TypeError);
    expect(() => mintToken({ secret, ttlSeconds: 0 })).toThrow(/ttlSeconds/);
    expect(() => mintToken({ secret, ttlSeconds: 1.5 })).toThrow(/ttlSeconds/);
    expect(() => mintToken({ secret, ttlSeconds: 60, target: 'no-port' })).toThrow(/target/);
  });
});

describe('OriginPolicy', () => {
  it('defaults to pages on this machine, and refuses a missing Origin', () => {
    const p = new OriginPolicy();
    for (const o of ['http://localhost:5173', 'http://localhost', 'https://127.0.0.1:8443', 'http://[::1]:3000']) {
      expect(p.allows(o)).toBe(true);
    }
    for (const o of [undefined, 'null', 'https://evil.example', 'http://localhost.evil.example', 'file://', 'http://localhost/x']) {
      expect(p.allows(o)).toBe(false);
    }
  });

  it('matches exact origins, any port with :*, and * for anything', () => {
    const p = new OriginPolicy(['https://app.example.com', 'http://dev.example.com:*']);
    expect(p.allows('https://app.example.com')).toBe(true);
    expect(p.allows('https://app.example.com:443')).toBe(true);
    expect(p.allows('https://app.example.com:8443')).toBe(false);
    expect(p.allows('http://app.example.com')).toBe(false);
    expect(p.allows('http://dev.example.com:8080')).toBe(true);
    expect(new OriginPolicy(['*']).allows(undefined)).toBe(true);
    expect(() => new OriginPolicy(['app.example.com'])).toThrow(TypeError);
    expect(() => new OriginPolicy(['https://app.example.com/'])).toThrow(TypeError);
  });
});
