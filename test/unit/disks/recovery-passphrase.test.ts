import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { formatRecoveryPassphrase, MODHEX, newRecoveryPassphrase } from '../../../provision/disks/recovery-passphrase.ts';

describe('recovery passphrase', () => {
  test.each<[string, number[], string]>([
    ['all zero bits', Array(16).fill(0), 'cccc-cccc-cccc-cccc-cccc-cccc-cccc-cccc'],
    ['all one bits', Array(16).fill(255), 'vvvv-vvvv-vvvv-vvvv-vvvv-vvvv-vvvv-vvvv'],
    ['nibbles in order, high first', [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef], 'cbde-fghi-jkln-rtuv'],
  ])('%s', (_t, bytes, want) => {
    expect(formatRecoveryPassphrase(Uint8Array.from(bytes))).toBe(want);
  });

  test('every byte string has its own passphrase (no bits lost to the formatting)', () => {
    const decode = (p: string) => {
      const letters = p.replaceAll('-', '');
      const out: number[] = [];
      for (let i = 0; i < letters.length; i += 2) out.push(MODHEX.indexOf(letters[i]!) * 16 + MODHEX.indexOf(letters[i + 1]!));
      return out;
    };
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      expect(decode(formatRecoveryPassphrase(bytes))).toEqual([...bytes]);
    }));
  });

  test('a new one: 128 bits as 8 groups of 4 ModHex letters, different each time', () => {
    const a = newRecoveryPassphrase();
    expect(a).toMatch(/^[cbdefghijklnrtuv]{4}(-[cbdefghijklnrtuv]{4}){7}$/);
    expect(newRecoveryPassphrase()).not.toBe(a);
  });
});
