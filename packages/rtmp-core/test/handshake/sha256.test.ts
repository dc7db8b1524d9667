import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/bytes/byte-cursor.ts';
import { hmacSha256, Sha256, sha256 } from '../../src/handshake/sha256.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sha256: FIPS 180-2 vectors', () => {
  it.each([
    ['empty', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['"abc" (B.1)', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      '448-bit message (B.2)',
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    [
      '896-bit message',
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
  ])('%s', (_name, msg, hex) => {
    expect(bytesToHex(sha256(utf8(msg)))).toBe(hex);
  });

  it('one million "a" (B.3), fed in uneven pieces', () => {
    const h = new Sha256();
    const piece = new Uint8Array(999).fill(0x61);
    let left = 1_000_000;
    while (left > 0) {
      const n = Math.min(left, piece.length);
      h.update(piece.subarray(0, n));
      left -= n;
    }
    expect(bytesToHex(h.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('matches node:crypto for every length 0..300 around the padding boundaries', () => {
    const data = new Uint8Array(300);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    for (let n = 0; n <= 300; n++) {
      const m = data.subarray(0, n);
      const want = createHash('sha256').update(m).digest('hex');
      expect(bytesToHex(sha256(m)), `length ${n}`).toBe(want);
      // Same message split in two at every third point.
      if (n % 3 === 0) {
        const cut = Math.floor(n / 3);
        const got = new Sha256().update(m.subarray(0, cut)).update(m.subarray(cut)).digest();
        expect(bytesToHex(got), `length ${n} split at ${cut}`).toBe(want);
      }
    }
  });

  it('refuses use after digest()', () => {
    const h = new Sha256();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(TypeError);
    expect(() => h.digest()).toThrow(TypeError);
  });
});

describe('hmacSha256: RFC 4231 vectors', () => {
  const aa131 = new Uint8Array(131).fill(0xaa);
  it.each([
    ['1', new Uint8Array(20).fill(0x0b), utf8('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [
      '2 (key shorter than the output)',
      utf8('Jefe'),
      utf8('what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      '3',
      new Uint8Array(20).fill(0xaa),
      new Uint8Array(50).fill(0xdd),
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    ],
    [
      '4',
      hexToBytes('0102030405060708090a0b0c0d0e0f10111213141516171819'),
      new Uint8Array(50).fill(0xcd),
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    ],
    [
      '6 (key larger than a block)',
      aa131,
      utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      '7 (key and data larger than a block)',
      aa131,
      utf8(
        'This is a test using a larger than block-size key and a larger than block-size data. ' +
          'The key needs to be hashed before being used by the HMAC algorithm.',
      ),
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('test case %s', (_name, key, data, hex) => {
    expect(bytesToHex(hmacSha256(key, data))).toBe(hex);
  });

  it('test case 5 (output truncated to 128 bits)', () => {
    const mac = hmacSha256(new Uint8Array(20).fill(0x0c), utf8('Test With Truncation'));
    expect(bytesToHex(mac.subarray(0, 16))).toBe('a3b6167473100ee06e0c796c2955552b');
  });

  it('hashes a list of parts as their concatenation', () => {
    const key = utf8('Genuine Adobe Flash Player 001');
    const data = new Uint8Array(1536);
    for (let i = 0; i < data.length; i++) data[i] = (i * 17) & 0xff;
    const want = createHmac('sha256', key).update(data.subarray(0, 100)).update(data.subarray(132)).digest('hex');
    expect(bytesToHex(hmacSha256(key, [data.subarray(0, 100), data.subarray(132)]))).toBe(want);
    expect(bytesToHex(hmacSha256(key, []))).toBe(createHmac('sha256', key).digest('hex'));
  });
});
