import { describe, expect, it } from 'vitest';
import { classifyIp, formatIp, parseHost, parseIp } from '../src/ip-address.ts';

describe('parseHost: every spelling the resolver accepts is an IP literal', () => {
  it.each([
    // [input, canonical text, canonical spelling?]
    ['127.0.0.1', '127.0.0.1', true],
    ['127.1', '127.0.0.1', false],
    ['127.0.1', '127.0.0.1', false],
    ['0x7f.0.0.1', '127.0.0.1', false],
    ['0X7F.0.0.1', '127.0.0.1', false],
    ['0177.0.0.1', '127.0.0.1', false],
    ['017700000001', '127.0.0.1', false],
    ['2130706433', '127.0.0.1', false],
    ['0x7f000001', '127.0.0.1', false],
    ['127.0.0.1.', '127.0.0.1', false],
    ['127.000.000.001', '127.0.0.1', false],
    ['0', '0.0.0.0', false],
    ['0x', '0.0.0.0', false],
    ['10.0.0.5', '10.0.0.5', true],
    ['::1', '::1', true],
    ['[::1]', '::1', true],
    ['[0:0:0:0:0:0:0:1]', '::1', false],
    ['[::0001]', '::1', false],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1', false],
    ['[::ffff:7f00:1]', '::ffff:7f00:1', true],
    ['[::FFFF:7F00:1]', '::ffff:7f00:1', false],
    ['[2001:DB8::1]', '2001:db8::1', false],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', false],
    ['[2001:db8::1:0:0:1]', '2001:db8::1:0:0:1', true],
    ['[2001:db8:0:1:1:1:1:1]', '2001:db8:0:1:1:1:1:1', true],
    ['[::]', '::', true],
  ])('%s → %s (canonical spelling: %s)', (input, text, canonical) => {
    const host = parseHost(input);
    expect(host.kind).toBe('ip');
    if (host.kind !== 'ip') return;
    expect(host.ip.text).toBe(text);
    expect(host.canonical).toBe(canonical);
  });

  it.each([
    '',
    '256.0.0.1',
    '1.2.3.4.5',
    '4294967296',
    '08.0.0.1', // 8 is not an octal digit
    '0x1g.0.0.1',
    'foo.123', // ends in a number: IPv4 or nothing
    '[::1',
    '[fe80::1%eth0]', // no zone ids
    '[1::2::3]',
    '[1:2:3:4:5:6:7:8:9]',
    '[::1.2.3.4:5]',
    '[::ffff:127.1]', // embedded IPv4 must be a strict dotted quad
    'exa mple.com',
    'ex_ample.com',
    'example.com.', // trailing dot on a name
    '-example.com',
    'a'.repeat(64) + '.com',
    '127.0.0.1 ',
    'localhost\u0000.evil',
  ])('%j is invalid', (input) => {
    expect(parseHost(input).kind).toBe('invalid');
  });

  it('lower-cases names', () => {
    expect(parseHost('Live.Example.COM')).toEqual({ kind: 'name', name: 'live.example.com' });
    expect(parseHost('xn--bcher-kva.example')).toEqual({ kind: 'name', name: 'xn--bcher-kva.example' });
    expect(parseHost('0x7f.example.com')).toEqual({ kind: 'name', name: '0x7f.example.com' });
  });
});

describe('formatIp (RFC 5952)', () => {
  it.each([
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:0:0:0:0:0', '1::'],
  ])('%s → %s', (input, text) => {
    expect(parseIp(input)?.text).toBe(text);
  });

  it('refuses other lengths', () => {
    expect(() => formatIp(new Uint8Array(5))).toThrow(TypeError);
  });
});

describe('classifyIp', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::127.0.0.1', 'ipv4-embedding'],
    ['64:ff9b::a00:1', 'ipv4-embedding'],
    ['2002:7f00:1::', 'ipv4-embedding'],
    ['2001::1', 'ipv4-embedding'],
    ['2001:db8::1', 'reserved'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2606:4700:4700::1111', 'public'],
  ])('%s is %s', (input, range) => {
    const ip = parseIp(input);
    expect(ip).toBeDefined();
    expect(classifyIp(ip!)).toBe(range);
  });
});
